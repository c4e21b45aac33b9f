import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import type { Express } from 'express';
import { createApp } from '../app.js';
import { createTestContext, type TestContext } from '../test-support/test-context.js';

const INDEX_HTML = '<!doctype html><html><head><title>Gatehouse test SPA</title></head><body><div id="root"></div></body></html>';
const APP_JS = 'console.log("gatehouse test bundle");';
const SECRET = 'outside-the-dist-dir-secret';

describe('serving the web UI beside the API', () => {
  let t: TestContext;
  let app: Express;
  let tmp: string;

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-web-'));
    const dist = path.join(tmp, 'dist');
    fs.mkdirSync(path.join(dist, 'assets'), { recursive: true });
    fs.writeFileSync(path.join(dist, 'index.html'), INDEX_HTML);
    fs.writeFileSync(path.join(dist, 'assets', 'app.js'), APP_JS);
    fs.writeFileSync(path.join(tmp, 'secret.txt'), SECRET);
    t = await createTestContext();
    app = createApp({ ...t.ctx, webDistDir: dist });
  });
  afterAll(async () => {
    await t.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const expectIndexHtml = (res: request.Response) => {
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    // The built index.html, with the <base href> its relative asset URLs resolve against (the root here).
    expect(res.text).toBe(INDEX_HTML.replace('<head>', '<head>\n    <base href="/" />'));
    // index.html names the current asset files, so it must be revalidated on every load.
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['content-security-policy']).toMatch(/default-src 'self'/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  };

  const expectJsonNotFound = (res: request.Response) => {
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.text).not.toContain('<html');
    expect(res.body.detail).toBe('NOT_FOUND');
    expect(typeof res.body.message).toBe('string');
  };

  it('serves index.html for / and for client-side routes', async () => {
    for (const route of ['/', '/login', '/admin/users', '/reset-password?token=abc', '/settings/sessions']) {
      expectIndexHtml(await request(app).get(route));
    }
  });

  it('serves the built assets as files', async () => {
    const res = await request(app).get('/assets/app.js');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/javascript/);
    expect(res.text).toBe(APP_JS);
    expect(res.headers['cache-control']).toMatch(/max-age=3600/);
  });

  it('lets the browser revalidate the app shell: an ETag, and 304 when it still matches', async () => {
    const first = await request(app).get('/login');
    const etag = first.headers.etag;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
    const again = await request(app).get('/admin/users').set('If-None-Match', etag!);
    expect(again.status).toBe(304);
    expect(again.text).toBe('');
    const stale = await request(app).get('/login').set('If-None-Match', '"an-older-build"');
    expectIndexHtml(stale);
  });

  it('puts no ETag on API answers (they are no-store, so none would ever be revalidated)', async () => {
    const res = await request(app).get('/api/v1/auth/metadata');
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers.etag).toBeUndefined();
  });

  it('answers a missing asset with a 404, not the app shell', async () => {
    for (const route of ['/assets/old-build.js', '/favicon.ico']) {
      const res = await request(app).get(route);
      expect(res.status).toBe(404);
      expect(res.text).not.toBe(INDEX_HTML);
    }
  });

  it('answers unknown API paths with a JSON 404, never index.html', async () => {
    for (const route of ['/api/v1/nope', '/api/v1', '/api/v1/', '/api/v1/assets/app.js', '/api/v1/login']) {
      const res = await request(app).get(route);
      expectJsonNotFound(res);
      expect(res.headers['cache-control']).toBe('no-store');
    }
  });

  it('still routes the API itself', async () => {
    const res = await request(app).get('/api/v1/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok', database: 'ok' });
  });

  it('does not answer a POST (or other non-GET) to a client route with index.html', async () => {
    for (const method of ['post', 'put', 'delete'] as const) {
      const res = await request(app)[method]('/login').send({ username: 'a', password: 'b' });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(res.text).not.toContain(INDEX_HTML);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
    }
  });

  it('never serves files from outside the dist directory', async () => {
    for (const route of ['/../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '/assets/..%2f..%2fsecret.txt', '/%2e%2e%2fsecret.txt']) {
      const res = await request(app).get(route);
      expect(res.status).toBeLessThan(500);
      expect(res.text).not.toContain(SECRET);
    }
  });

  it('(control) without webDistDir, client routes are a JSON 404', async () => {
    expectJsonNotFound(await request(t.app).get('/login'));
  });
});
