import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import crypto from 'node:crypto';
import zlib from 'node:zlib';
import request from 'supertest';
import { ERROR_STATUS, type ErrorCode } from '@gatehouse/shared';
import { createTestContext, type TestContext } from '../test-support/test-context.js';
import { STRONG_PASSWORD, createUser, loginBearer } from '../test-support/fixtures.js';

const REGISTER = '/api/v1/auth/register';
const JWT_LOGIN = '/api/v1/auth/jwt/login';

/**
 * What every refusal must look like: a 4xx (never a 500), JSON `{detail, message}` with the code's
 * status, nothing of the server's insides (stack frames, file paths), and the API's headers.
 */
function expectCleanError(
  res: request.Response,
  code: ErrorCode,
): { detail: string; message: string; errors?: Array<{ field: string; message: string }> } {
  const context = `${res.status} ${res.text}`;
  expect({ context, status: res.status }).toEqual({ context, status: ERROR_STATUS[code] });
  expect(res.status).toBeGreaterThanOrEqual(400);
  expect(res.status).toBeLessThan(500);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  const body = JSON.parse(res.text) as { detail: unknown; message: unknown };
  expect(typeof body.detail).toBe('string');
  expect(typeof body.message).toBe('string');
  expect((body.message as string).length).toBeGreaterThan(0);
  expect(body.detail).toBe(code);
  expectNoInternals(res.text);
  expectApiHeaders(res);
  return body as ReturnType<typeof expectCleanError>;
}

function expectNoInternals(text: string): void {
  expect(text).not.toMatch(/^\s*at\s/m); // a stack frame line
  expect(text).not.toMatch(/\bat \S+ \(/); // "at fn (file:1:2)"
  expect(text).not.toMatch(/\(?\S+:\d+:\d+\)?/); // file:line:column
  expect(text).not.toContain('/work/');
  expect(text).not.toContain('.ts:');
  expect(text).not.toContain('.js:');
  expect(text).not.toContain('node_modules');
  expect(text).not.toMatch(/SyntaxError|TypeError|URIError|Prisma|PGlite/);
}

function expectApiHeaders(res: request.Response): void {
  expect(res.headers['cache-control']).toBe('no-store');
  expect(res.headers['x-content-type-options']).toBe('nosniff');
  expect(res.headers['content-security-policy']).toMatch(/default-src 'none'/);
  expect(res.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
  expect(res.headers['x-powered-by']).toBeUndefined();
}

describe('bad input gets a clear 4xx JSON answer, never a 500 or a stack trace', () => {
  let t: TestContext;
  let adminToken: string;

  const postRaw = (path: string, raw: string | Buffer, contentType = 'application/json') =>
    request(t.app).post(path).set('Content-Type', contentType).send(raw);

  beforeAll(async () => {
    t = await createTestContext();
    await createUser(t.ctx, { email: 'admin@example.com', isSuperuser: true });
    adminToken = await loginBearer(t.app, 'admin@example.com');
  });
  afterAll(() => t.close());

  describe('bodies that cannot be read', () => {
    it('malformed JSON -> 400 MALFORMED_BODY', async () => {
      for (const raw of ['{"email":', '{email: "a@b.com"}', "{'a':1}", '{"a":1,}', '\u0000\u0001']) {
        const body = expectCleanError(await postRaw(REGISTER, raw), 'MALFORMED_BODY');
        expect(body.message).toMatch(/JSON/);
      }
    });

    it('JSON null, number, string or boolean as the body -> 400 MALFORMED_BODY', async () => {
      for (const raw of ['null', '42', '"a@b.com"', 'true']) {
        expectCleanError(await postRaw(REGISTER, raw), 'MALFORMED_BODY');
      }
    });

    it('a JSON array as the body -> 422 VALIDATION_ERROR (must be an object)', async () => {
      for (const raw of ['[]', '[{"email":"a@b.com","password":"x"}]']) {
        const body = expectCleanError(await postRaw(REGISTER, raw), 'VALIDATION_ERROR');
        expect(body.message).toMatch(/object/);
      }
    });

    it('wrong content type on a JSON route -> 415 naming the accepted type', async () => {
      const cases = [
        postRaw(REGISTER, '{"email":"a@b.com","password":"x"}', 'text/plain'),
        postRaw(REGISTER, '<user/>', 'application/xml'),
        postRaw(REGISTER, 'email=a%40b.com&password=x', 'application/x-www-form-urlencoded'),
        request(t.app).post(REGISTER).field('email', 'a@b.com').field('password', STRONG_PASSWORD),
        request(t.app).post(REGISTER),
      ];
      for (const res of await Promise.all(cases)) {
        const body = expectCleanError(res, 'UNSUPPORTED_MEDIA_TYPE');
        expect(body.message).toContain('application/json');
      }
    });

    it('wrong content type on a form-or-JSON route -> 415 naming both accepted types', async () => {
      for (const res of [
        await postRaw(JWT_LOGIN, 'username=a&password=b', 'text/plain'),
        await request(t.app).post(JWT_LOGIN).field('username', 'a@b.com').field('password', 'x'),
      ]) {
        const body = expectCleanError(res, 'UNSUPPORTED_MEDIA_TYPE');
        expect(body.message).toContain('application/json');
        expect(body.message).toContain('application/x-www-form-urlencoded');
      }
    });

    it('unsupported charset or content encoding -> 415', async () => {
      expectCleanError(await postRaw(REGISTER, '{}', 'application/json; charset=klingon'), 'UNSUPPORTED_MEDIA_TYPE');
      expectCleanError(await postRaw(JWT_LOGIN, 'username=a', 'application/x-www-form-urlencoded; charset=ebcdic'), 'UNSUPPORTED_MEDIA_TYPE');
      const res = await request(t.app).post(REGISTER).set('Content-Type', 'application/json').set('Content-Encoding', 'zstd-unknown').send('{}');
      expectCleanError(res, 'UNSUPPORTED_MEDIA_TYPE');
    });

    it('a JSON body over 16kb -> 413 PAYLOAD_TOO_LARGE (JSON and form)', async () => {
      const big = { email: 'big@example.com', password: 'x'.repeat(17 * 1024) };
      expectCleanError(await request(t.app).post(REGISTER).send(big), 'PAYLOAD_TOO_LARGE');
      expectCleanError(
        await request(t.app)
          .post(JWT_LOGIN)
          .type('form')
          .send({ username: 'a', password: 'x'.repeat(17 * 1024) }),
        'PAYLOAD_TOO_LARGE',
      );
    });

    it('a small gzip body that inflates past 16kb -> 413 (no decompression bomb)', async () => {
      const inflated = JSON.stringify({ email: 'bomb@example.com', password: ' '.repeat(200 * 1024) });
      const gz = zlib.gzipSync(inflated);
      expect(gz.length).toBeLessThan(16 * 1024);
      const res = await request(t.app)
        .post(REGISTER)
        .set('Content-Type', 'application/json')
        .set('Content-Encoding', 'gzip')
        .serialize((data: unknown) => data as string) // send the bytes as they are
        .send(gz);
      expectCleanError(res, 'PAYLOAD_TOO_LARGE');
    });

    it('a body that claims gzip but is not -> 400 MALFORMED_BODY', async () => {
      const res = await request(t.app)
        .post(REGISTER)
        .set('Content-Type', 'application/json')
        .set('Content-Encoding', 'gzip')
        .send('{"email":"a@b.com"}');
      expectCleanError(res, 'MALFORMED_BODY');
    });

    it('a caller who may not use the route is refused before the body is read', async () => {
      // Not signed in: 401, whatever the body holds (before, the parser answered 400 or 413 first).
      const malformed = await request(t.app).patch('/api/v1/users/me').set('Content-Type', 'application/json').send('{"display_name":');
      expectCleanError(malformed, 'UNAUTHORIZED');
      const huge = await request(t.app)
        .patch('/api/v1/users/me')
        .send({ display_name: 'x'.repeat(17 * 1024) });
      expectCleanError(huge, 'UNAUTHORIZED');
      // Signed in but not an admin: 403.
      await createUser(t.ctx, { email: 'plain@example.com' });
      const plainToken = await loginBearer(t.app, 'plain@example.com');
      const createUserWithMalformedBody = (token: string) =>
        request(t.app).post('/api/v1/users').set('Authorization', `Bearer ${token}`).set('Content-Type', 'application/json').send('{"email":');
      expectCleanError(await createUserWithMalformedBody(plainToken), 'FORBIDDEN');
      // (control) the admin's same malformed body is read, and refused for what it is.
      expectCleanError(await createUserWithMalformedBody(adminToken), 'MALFORMED_BODY');
    });

    it('a route that takes no body does not read one', async () => {
      const token = await loginBearer(t.app, 'admin@example.com');
      const res = await request(t.app)
        .post('/api/v1/auth/jwt/logout')
        .set('Authorization', `Bearer ${token}`)
        .set('Content-Type', 'application/json')
        .send('{"not json');
      expect(res.status).toBe(204);
    });

    it('too many form fields -> 4xx', async () => {
      const raw = Array.from({ length: 50 }, (_, i) => `f${i}=1`).join('&');
      expectCleanError(await postRaw(JWT_LOGIN, raw, 'application/x-www-form-urlencoded'), 'MALFORMED_BODY');
    });
  });

  describe('bodies that do not match the schema -> 422 VALIDATION_ERROR naming the field', () => {
    const fieldsOf = (body: ReturnType<typeof expectCleanError>) => (body.errors ?? []).map((e) => e.field);

    it('unknown fields', async () => {
      // (is_active/is_superuser/is_verified are fastapi-users' UserCreate flags: accepted and ignored.)
      const res = await request(t.app).post(REGISTER).send({ email: 'u@example.com', password: STRONG_PASSWORD, is_admin: true });
      const body = expectCleanError(res, 'VALIDATION_ERROR');
      expect(fieldsOf(body)).toEqual(['is_admin']);
      expect(body.message).toContain('is_admin');
    });

    it('__proto__ and constructor are unknown fields too', async () => {
      const res = await postRaw(
        REGISTER,
        `{"__proto__":{"is_superuser":true},"constructor":{"a":1},"email":"p@example.com","password":"${STRONG_PASSWORD}"}`,
      );
      const body = expectCleanError(res, 'VALIDATION_ERROR');
      expect(fieldsOf(body)).toEqual(expect.arrayContaining(['__proto__', 'constructor']));
    });

    it('missing required fields', async () => {
      const body = expectCleanError(await request(t.app).post(REGISTER).send({}), 'VALIDATION_ERROR');
      expect(fieldsOf(body)).toEqual(expect.arrayContaining(['email', 'password']));
      const login = expectCleanError(await request(t.app).post(JWT_LOGIN).type('form').send({ username: 'a@b.com' }), 'VALIDATION_ERROR');
      expect(fieldsOf(login)).toEqual(['password']);
    });

    it('wrong types', async () => {
      const res = await request(t.app)
        .post(REGISTER)
        .send({ email: 42, password: ['x'], display_name: { a: 1 } });
      const body = expectCleanError(res, 'VALIDATION_ERROR');
      expect(fieldsOf(body)).toEqual(expect.arrayContaining(['email', 'password', 'display_name']));
    });

    it('repeated form fields (an array where a string belongs)', async () => {
      const res = await postRaw(JWT_LOGIN, 'username=a%40b.com&username=c%40d.com&password=x', 'application/x-www-form-urlencoded');
      const body = expectCleanError(res, 'VALIDATION_ERROR');
      expect(fieldsOf(body)).toEqual(['username']);
    });

    it('an invalid email address', async () => {
      for (const email of ['not-an-email', 'two@@example.com', 'a b@example.com', '@example.com']) {
        const body = expectCleanError(await request(t.app).post(REGISTER).send({ email, password: STRONG_PASSWORD }), 'VALIDATION_ERROR');
        expect(fieldsOf(body)).toEqual(['email']);
        expect(body.message).toContain('email');
      }
    });

    it('deeply nested junk', async () => {
      let deepObject = '"x"';
      for (let i = 0; i < 1000; i++) deepObject = `{"a":${deepObject}}`;
      let deepArray = '1';
      for (let i = 0; i < 3500; i++) deepArray = `[${deepArray}]`;
      expect(deepObject.length + deepArray.length).toBeLessThan(16 * 1024);
      const res = await postRaw(REGISTER, `{"email":${deepObject},"password":${deepArray}}`);
      const body = expectCleanError(res, 'VALIDATION_ERROR');
      expect(fieldsOf(body)).toEqual(expect.arrayContaining(['email', 'password']));
      const top = expectCleanError(await postRaw(REGISTER, deepArray), 'VALIDATION_ERROR');
      expect(top.message).toMatch(/object/);
    });

    it("an empty object where a change is required (an administrator's PATCH /users/{id}; /users/me takes {} as fastapi-users does)", async () => {
      const res = await request(t.app)
        .patch('/api/v1/users/00000000-0000-4000-8000-000000000000')
        .set('Authorization', `Bearer ${adminToken}`)
        .send({});
      expectCleanError(res, 'VALIDATION_ERROR');
      const me = await request(t.app).patch('/api/v1/users/me').set('Authorization', `Bearer ${adminToken}`).send({});
      expect(me.status).toBe(200);
    });
  });

  describe('addresses that do not exist', () => {
    it('a malformed percent-encoding in the URL -> 4xx JSON', async () => {
      for (const path of ['/api/v1/users/%E0%A4%A', '/api/v1/users/%', '/api/v1/users/me/sessions/%ZZ']) {
        const res = await request(t.app).get(path).set('Authorization', `Bearer ${adminToken}`);
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
        expect(res.headers['content-type']).toMatch(/^application\/json/);
        expect(['MALFORMED_REQUEST', 'USER_NOT_FOUND', 'SESSION_NOT_FOUND', 'NOT_FOUND', 'METHOD_NOT_ALLOWED']).toContain(res.body.detail);
        expect(typeof res.body.message).toBe('string');
        expectNoInternals(res.text);
        expectApiHeaders(res);
      }
      expect((await request(t.app).get('/api/v1/users/%E0%A4%A').set('Authorization', `Bearer ${adminToken}`)).body.detail).toBe('MALFORMED_REQUEST');
      const anonymous = await request(t.app).delete('/api/v1/users/%E0%A4%A');
      expect(anonymous.status).toBeLessThan(500);
      expect(anonymous.headers['content-type']).toMatch(/^application\/json/);
    });

    it('an unknown API route -> 404 NOT_FOUND JSON', async () => {
      for (const path of ['/api/v1/nope', '/api/v1', '/api/v1/', '/api/v1/users/me/nope', '/api/v1/HEALTH', '/api/v1/health/']) {
        expectCleanError(await request(t.app).get(path), 'NOT_FOUND');
      }
      expectCleanError(await request(t.app).post('/api/v1/nope').send({ a: 1 }), 'NOT_FOUND');
    });

    it('a wrong method on a known path -> 405 METHOD_NOT_ALLOWED with an Allow header', async () => {
      const cases: Array<[string, string, string[]]> = [
        // /users/:id also matches "me", so DELETE routes there (and answers USER_NOT_FOUND).
        ['put', '/api/v1/users/me', ['GET', 'HEAD', 'PATCH', 'DELETE']],
        ['delete', '/api/v1/health', ['GET', 'HEAD']],
        ['get', '/api/v1/auth/jwt/login', ['POST']],
        ['post', '/api/v1/users/all', ['GET', 'HEAD', 'PATCH', 'DELETE']],
        ['put', `/api/v1/users/${crypto.randomUUID()}`, ['GET', 'HEAD', 'PATCH', 'DELETE']],
      ];
      for (const [method, path, allowed] of cases) {
        const res = await (request(t.app) as unknown as Record<string, (p: string) => request.Test>)[method]!(path).set(
          'Authorization',
          `Bearer ${adminToken}`,
        );
        expectCleanError(res, 'METHOD_NOT_ALLOWED');
        expect(String(res.headers.allow).split(/,\s*/).sort()).toEqual([...allowed].sort());
      }
    });

    it('a non-uuid :id on admin routes -> 404 USER_NOT_FOUND, not 500', async () => {
      const ids = ['not-a-uuid', "1'; DROP TABLE users; --", 'x'.repeat(2000), '%C3%A9', '00000000-0000-0000-0000-000000000000', '0'];
      const auth = { Authorization: `Bearer ${adminToken}` };
      const before = await t.ctx.db.prisma.user.count();
      for (const id of ids) {
        expectCleanError(await request(t.app).get(`/api/v1/users/${id}`).set(auth), 'USER_NOT_FOUND');
        expectCleanError(await request(t.app).patch(`/api/v1/users/${id}`).set(auth).send({ is_active: false }), 'USER_NOT_FOUND');
        expectCleanError(await request(t.app).delete(`/api/v1/users/${id}`).set(auth), 'USER_NOT_FOUND');
      }
      expectCleanError(await request(t.app).delete('/api/v1/users/me/sessions/not-a-uuid').set(auth), 'SESSION_NOT_FOUND');
      expect(await t.ctx.db.prisma.user.count()).toBe(before);
    });

    it('guards come before lookups: an anonymous non-uuid :id -> 401', async () => {
      expectCleanError(await request(t.app).get('/api/v1/users/not-a-uuid'), 'UNAUTHORIZED');
    });
  });

  describe('nothing half-written stays behind', () => {
    it('a register request that fails leaves the users table as it was', async () => {
      const before = await t.ctx.db.prisma.user.count();
      const attempts = [
        request(t.app).post(REGISTER).send({ email: 'half@example.com', password: STRONG_PASSWORD, is_admin: true }),
        request(t.app).post(REGISTER).send({ email: 'half@example.com' }),
        request(t.app).post(REGISTER).send({ email: 'not-an-email', password: STRONG_PASSWORD }),
        postRaw(REGISTER, `{"email":"half@example.com","password":"${STRONG_PASSWORD}"`),
        request(t.app).post(REGISTER).send({ email: 'half@example.com', password: 'short' }),
      ];
      const results = await Promise.all(attempts);
      for (const res of results) {
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
      }
      expect(results.at(-1)!.body.detail).toBe('REGISTER_INVALID_PASSWORD');
      expect(await t.ctx.db.prisma.user.count()).toBe(before);
      expect(await t.ctx.db.prisma.user.findUnique({ where: { email: 'half@example.com' } })).toBeNull();
    });

    it('(control) a valid register request does add a row', async () => {
      const before = await t.ctx.db.prisma.user.count();
      const res = await request(t.app).post(REGISTER).send({ email: 'whole@example.com', password: STRONG_PASSWORD });
      expect(res.status).toBe(201);
      expect(await t.ctx.db.prisma.user.count()).toBe(before + 1);
    });
  });

  it('(control) successful API responses carry the same headers', async () => {
    const res = await request(t.app).get('/api/v1/auth/metadata');
    expect(res.status).toBe(200);
    expectApiHeaders(res);
  });

  it('none of the above was logged as an unhandled error', () => {
    const unhandled = t.logLines().filter((line) => line.msg === 'Unhandled error');
    expect(unhandled).toEqual([]);
  });
});
