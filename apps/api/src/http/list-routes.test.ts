import { describe, expect, it } from '@jest/globals';
import express, { type Express, type RequestHandler } from 'express';
import { listMountedRoutes } from './list-routes.js';

const ok: RequestHandler = (_req, res) => {
  res.end();
};

function buildSampleApp(): Express {
  const app = express();
  app.use(express.json());
  app.get('/top', ok);
  const api = express.Router();
  api.use((_req, _res, next) => next());
  api.get('/things', ok);
  api.post('/things', ok);
  api.route('/things/:id').get(ok).patch(ok).delete(ok);
  const nested = express.Router();
  nested.put('/deep/:a/:b', ok);
  api.use('/nested', nested);
  api.use((_req, res) => res.status(404).end());
  app.use('/api/v9', api);
  app.use((_req, res) => res.status(404).end());
  return app;
}

const SAMPLE_ROUTES = [
  { method: 'GET', path: '/top' },
  { method: 'GET', path: '/api/v9/things' },
  { method: 'POST', path: '/api/v9/things' },
  { method: 'GET', path: '/api/v9/things/:id' },
  { method: 'PATCH', path: '/api/v9/things/:id' },
  { method: 'DELETE', path: '/api/v9/things/:id' },
  { method: 'PUT', path: '/api/v9/nested/deep/:a/:b' },
];

describe('listMountedRoutes', () => {
  it('lists the routes of nested routers with their full paths and every method', () => {
    expect(listMountedRoutes(buildSampleApp())).toEqual(SAMPLE_ROUTES);
  });

  it('finds mount prefixes on routers that do not record rawPath (router < 2.3)', () => {
    const app = buildSampleApp();
    const forget = (stack: unknown[]) => {
      for (const layer of stack as Array<{ rawPath?: unknown; handle?: { stack?: unknown[] } }>) {
        delete layer.rawPath;
        if (Array.isArray(layer.handle?.stack)) forget(layer.handle.stack);
      }
    };
    forget((app as unknown as { router: { stack: unknown[] } }).router.stack);
    expect(listMountedRoutes(app, ['/api/v9', '/api/v9/nested'])).toEqual(SAMPLE_ROUTES);
    // Without a way to tell the prefix it refuses loudly instead of guessing.
    expect(() => listMountedRoutes(app, [])).toThrow(/cannot tell where a nested router is mounted/);
  });

  it('throws, rather than returning nothing, when the app has no router stack', () => {
    expect(() => listMountedRoutes({} as Express)).toThrow(/no router stack/);
  });
});
