import { describe, expect, it } from '@jest/globals';
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import request from 'supertest';
import { composeMiddleware } from './mount-route.js';

/** An app whose only route answers what the composed chain left in res.locals.seen. */
function appWith(chain: RequestHandler[]) {
  const app = express();
  app.use(composeMiddleware(chain));
  app.get('/', (_req, res) => {
    res.json({ seen: res.locals.seen ?? [] });
  });
  const onError: ErrorRequestHandler = (error: Error, _req, res, _next) => {
    res.status(500).json({ error: error.message, seen: res.locals.seen ?? [] });
  };
  app.use(onError);
  return app;
}

const mark =
  (name: string): RequestHandler =>
  (_req, res, next) => {
    res.locals.seen = [...((res.locals.seen as string[] | undefined) ?? []), name];
    next();
  };

describe('composeMiddleware (several middleware as one router layer)', () => {
  it('runs each in order, then goes on to the routes', async () => {
    const res = await request(appWith([mark('a'), mark('b'), mark('c')])).get('/');
    expect(res.body).toEqual({ seen: ['a', 'b', 'c'] });
  });

  it('leaves the chain for the error handlers on next(error), a throw or a rejected promise', async () => {
    const failures: RequestHandler[] = [
      (_req, _res, next) => next(new Error('passed')),
      () => {
        throw new Error('thrown');
      },
      () => Promise.reject(new Error('rejected')),
      async (_req, _res, next) => {
        await Promise.resolve();
        next(new Error('passed later'));
      },
    ];
    for (const failure of failures) {
      const res = await request(appWith([mark('a'), failure, mark('never')])).get('/');
      expect(res.status).toBe(500);
      expect(res.body.seen).toEqual(['a']);
      expect(['passed', 'thrown', 'rejected', 'passed later']).toContain(res.body.error);
    }
  });

  it('stops when one answers, and goes on after an asynchronous next()', async () => {
    const answer: RequestHandler = (_req, res) => {
      res.status(204).end();
    };
    const stopped = await request(appWith([mark('a'), answer, mark('never')])).get('/');
    expect(stopped.status).toBe(204);
    const later: RequestHandler = (_req, res, next) => {
      setImmediate(() => {
        res.locals.seen = [...(res.locals.seen as string[]), 'later'];
        next();
      });
    };
    const res = await request(appWith([mark('a'), later, mark('b')])).get('/');
    expect(res.body).toEqual({ seen: ['a', 'later', 'b'] });
  });
});
