/**
 * The HTTP server main.ts runs: Node builds each request and response with the app's own
 * prototypes (so Express's Object.setPrototypeOf finds nothing to change), and everything Express
 * puts on those prototypes still works through it: reading headers, JSON answers, cookies, the
 * request id, a sign-in and an authenticated read.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import request from 'supertest';
import { createTestContext, type TestContext } from '../test-support/test-context.js';
import { createUser, STRONG_PASSWORD } from '../test-support/fixtures.js';
import { createHttpServer } from './server.js';

jest.setTimeout(120_000);

describe('createHttpServer', () => {
  let t: TestContext;
  let server: Server;
  let base: string;
  /** What Node built, seen before Express handles it (a listener put ahead of the app's). */
  const seen: Array<{ requestPrototype: unknown; responsePrototype: unknown }> = [];

  beforeAll(async () => {
    t = await createTestContext();
    await createUser(t.ctx, { email: 'reader@example.com' });
    server = createHttpServer(t.app, t.ctx.logger);
    server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
      seen.push({ requestPrototype: Object.getPrototypeOf(req), responsePrototype: Object.getPrototypeOf(res) });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await t.close();
  });

  it("builds requests and responses with the app's prototypes, before Express sees them", async () => {
    seen.length = 0;
    const res = await request(base).get('/api/v1/auth/metadata');
    expect(res.status).toBe(200);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.requestPrototype).toBe(t.app.request);
    expect(seen[0]!.responsePrototype).toBe(t.app.response);
    // Still Node's classes underneath, and still the app's.
    expect(t.app.request).toBeInstanceOf(Object.getPrototypeOf(Object.getPrototypeOf(t.app.request)).constructor);
    expect((t.app.request as unknown as { app: unknown }).app).toBe(t.app);
    expect((t.app.response as unknown as { app: unknown }).app).toBe(t.app);
  });

  it('serves what Express builds on those prototypes: headers, JSON, the request id, cookies, a session', async () => {
    const metadata = await request(base).get('/api/v1/auth/metadata').set('X-Request-Id', 'server-test.1');
    expect(metadata.headers['content-type']).toMatch(/^application\/json/);
    expect(metadata.headers['x-request-id']).toBe('server-test.1');
    expect(metadata.headers['x-content-type-options']).toBe('nosniff');

    const login = await request(base)
      .post('/api/v1/auth/cookie/login')
      .type('form')
      .send({ username: 'reader@example.com', password: STRONG_PASSWORD });
    expect(login.status).toBe(204);
    const cookie = (login.headers['set-cookie'] as unknown as string[]).map((line) => line.split(';')[0]).join('; ');
    const me = await request(base).get('/api/v1/users/me').set('Cookie', cookie);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ email: 'reader@example.com' });

    const refused = await request(base).get('/api/v1/users/me');
    expect(refused.status).toBe(401);
    expect(refused.body).toMatchObject({ detail: 'UNAUTHORIZED' });
  });

  it('a second server on the same app builds with the same prototypes', async () => {
    const second = createHttpServer(t.app, t.ctx.logger);
    const prototypes: unknown[] = [];
    second.prependListener('request', (req: IncomingMessage) => prototypes.push(Object.getPrototypeOf(req)));
    await new Promise<void>((resolve) => second.listen(0, '127.0.0.1', resolve));
    try {
      const res = await request(`http://127.0.0.1:${(second.address() as AddressInfo).port}`).get('/api/v1/auth/metadata');
      expect(res.status).toBe(200);
      expect(prototypes).toEqual([t.app.request]);
      // And the first server's requests still are built with it.
      seen.length = 0;
      expect((await request(base).get('/api/v1/users/me')).status).toBe(401);
      expect(seen.map((one) => one.requestPrototype)).toEqual([t.app.request]);
    } finally {
      await new Promise((resolve) => second.close(resolve));
    }
  });
});
