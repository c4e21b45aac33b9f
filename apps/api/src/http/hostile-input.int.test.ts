/**
 * Hostile input, table-driven over every route in the shared route table, through a real HTTP
 * server (so Node's own parser limits are part of the test), plus property-based bodies and
 * headers from fast-check. For every answer: never a 5xx, never a stack trace; a refusal is a 4xx
 * JSON `{detail, message}`. Afterwards the process still serves, and every table is unchanged
 * (row counts and a digest of every row), except the brakes' counters, whose job is to count.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import fc from 'fast-check';
import request from 'supertest';
import { API_PREFIX, ROUTES, type RouteName, type RouteSpec } from '@gatehouse/shared';
import { createTestContext, type TestContext } from '../test-support/test-context.js';
import { createUser, loginBearer } from '../test-support/fixtures.js';
import { createHttpServer } from './server.js';
import type { Database } from '../db/database.js';

// Each file builds real, migrated databases; on a loaded 2-core machine that alone can take a while.
jest.setTimeout(180_000);

/** Tables whose rows hostile requests may legitimately change: the counters of the brakes. */
const TABLES_ALLOWED_TO_CHANGE = new Set(['rate_limits']);
/**
 * Rows hostile requests may legitimately add: the audit trail records refused sign-ins (with no
 * secret in them: audit/audit.int.test.ts checks that). Every other audit event must not appear.
 */
const ROWS_ALLOWED_TO_APPEAR: Record<string, string> = { audit_events: `WHERE "type" <> 'sign_in.failed'` };

async function digestTables(db: Database): Promise<Record<string, string>> {
  const tables = await db.prisma.$queryRaw<Array<{ name: string }>>`
    SELECT table_name AS name FROM information_schema.tables
    WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`;
  const digests: Record<string, string> = {};
  for (const { name } of tables) {
    if (TABLES_ALLOWED_TO_CHANGE.has(name)) continue;
    const [row] = await db.prisma.$queryRawUnsafe<Array<{ n: number; d: string | null }>>(
      `SELECT count(*)::int AS n, md5(string_agg(t::text, '|' ORDER BY t::text)) AS d FROM "${name}" t ${ROWS_ALLOWED_TO_APPEAR[name] ?? ''}`,
    );
    digests[name] = `${row!.n}:${row!.d ?? ''}`;
  }
  return digests;
}

type Expectation = 'reject' | 'no-5xx';

interface HostileCase {
  name: string;
  expect: Expectation;
  send: (base: string) => Promise<request.Response>;
}

const MB = 1024 * 1024;
const HOMOGLYPH_EMAIL = 'аdmin@example.com'; // Cyrillic "а"
const OVERLONG_EMAIL = `${'a'.repeat(300)}@example.com`;
const NUL_EMAIL = 'adm\u0000in@example.com';

function deepObject(depth: number): string {
  return '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}

/** A syntactically valid body for a route, which the cases then break one way at a time. */
function validBody(spec: RouteSpec): Record<string, unknown> {
  switch (spec.request?.schema) {
    case 'LoginRequest':
      return { username: 'admin@example.com', password: 'wrong password' };
    case 'RegisterRequest':
      return { email: 'new-user@example.com', password: 'correct horse battery staple' };
    case 'ForgotPasswordRequest':
      return { email: 'admin@example.com' };
    case 'ResetPasswordRequest':
      return { token: 'x'.repeat(43), password: 'correct horse battery staple' };
    case 'UpdateMeRequest':
    case 'AdminUpdateUserRequest':
      return { display_name: 'x' };
    case 'AdminCreateUserRequest':
      return { email: 'created@example.com' };
    default:
      return {};
  }
}

describe('hostile input over every route', () => {
  let t: TestContext;
  let server: Server;
  let base: string;
  let adminToken: string;
  let targetId: string;
  let before: Record<string, string>;
  const answers: Array<{ name: string; expect: Expectation; status: number; contentType: string; text: string }> = [];

  beforeAll(async () => {
    t = await createTestContext({
      config: {
        auth: { registration_enabled: true, email_password_resets: true },
        // Resets need an SMTP table; the test builds no mailer, so nothing is ever sent.
        notifications: { smtp_config: { smtp_host: '127.0.0.1', from_email: 'gatehouse@example.com' } },
      },
    });
    await createUser(t.ctx, { email: 'admin@example.com', isSuperuser: true });
    targetId = (await createUser(t.ctx, { email: 'target@example.com' })).id;
    adminToken = await loginBearer(t.app, 'admin@example.com');
    server = createHttpServer(t.app, t.ctx.logger);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    before = await digestTables(t.ctx.db);
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await t.close();
  });

  function pathOf(name: RouteName): string {
    return (
      API_PREFIX +
      ROUTES[name].path
        .replace(':id', name.startsWith('unlinkMy') || name.startsWith('revokeMy') ? '00000000-0000-4000-8000-000000000000' : targetId)
        .replace(':name', 'OpenID')
    );
  }

  function call(base: string, spec: RouteSpec, path: string): request.Test {
    const agent = request(base);
    return spec.method === 'get'
      ? agent.get(path)
      : spec.method === 'post'
        ? agent.post(path)
        : spec.method === 'patch'
          ? agent.patch(path)
          : agent.delete(path);
  }

  function buildCases(): HostileCase[] {
    const cases: HostileCase[] = [];
    for (const [name, spec] of Object.entries(ROUTES) as Array<[RouteName, RouteSpec]>) {
      const path = pathOf(name);
      const needsAuth = spec.auth !== 'none';
      const authExpect: Expectation = needsAuth ? 'reject' : 'no-5xx';
      const add = (label: string, expectation: Expectation, send: (b: string) => Promise<request.Response>) =>
        cases.push({ name: `${spec.method.toUpperCase()} ${spec.path}: ${label}`, expect: expectation, send });

      // Credentials that are not credentials.
      add('garbage bearer token', authExpect, (b) => call(b, spec, path).set('Authorization', 'Bearer garbage'));
      add('bearer token of 6000 characters', authExpect, (b) =>
        call(b, spec, path).set('Authorization', `Bearer ${'A'.repeat(3000)}.${'B'.repeat(3000)}`),
      );
      add('unsigned JWT (alg none)', authExpect, (b) =>
        call(b, spec, path).set(
          'Authorization',
          `Bearer ${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(`{"sub":"${targetId}","sid":"x"}`).toString('base64url')}.`,
        ),
      );
      add('Basic instead of Bearer', authExpect, (b) => call(b, spec, path).set('Authorization', 'Basic YWRtaW46YWRtaW4='));
      add('garbage session and CSRF cookies', authExpect, (b) =>
        call(b, spec, path).set('Cookie', `gatehouse_session=${'%'.repeat(50)}\u00ff; gatehouse_csrf=${'x'.repeat(3000)}; gatehouse_oidc=%E0%A4%A`),
      );
      // Headers Node's parser refuses (over 16 KB): 431 JSON from createHttpServer.
      add('a 20 KB cookie', 'reject', (b) => call(b, spec, path).set('Cookie', `gatehouse_session=${'c'.repeat(20 * 1024)}`));
      add('a 20 KB header', 'reject', (b) => call(b, spec, path).set('X-Junk', 'j'.repeat(20 * 1024)));
      // Query strings.
      add('duplicate query parameters', 'no-5xx', (b) =>
        call(b, spec, `${path}?returnTo=/a&returnTo=//evil.example&redirect=true&redirect=false&code=a&code=b&state=x&state=y`),
      );
      add('NUL bytes and broken percent-encoding in the query', 'no-5xx', (b) => call(b, spec, `${path}?returnTo=%00%ff&state=%E0%A4%A&x=%`));

      if (!spec.request) continue;
      const bearer = needsAuth ? { Authorization: `Bearer ${adminToken}` } : {};
      const body = validBody(spec);
      const sendJson = (label: string, raw: string | Buffer, contentType = 'application/json', expectation: Expectation = 'reject') =>
        add(label, expectation, (b) => call(b, spec, path).set(bearer).set('Content-Type', contentType).send(raw));
      const sendBody = (label: string, value: unknown, expectation: Expectation = 'reject') =>
        sendJson(label, JSON.stringify(value), 'application/json', expectation);

      // PATCH /users/me takes {} as "change nothing" (fastapi-users clients send it).
      sendBody('empty object (missing fields)', {}, name === 'updateMe' ? 'no-5xx' : 'reject');
      for (const field of Object.keys(body)) {
        for (const [kind, value] of [
          ['number', 12345],
          ['array', ['a']],
          ['object', { a: 1 }],
          ['null', null],
        ] as const) {
          sendBody(`${field} as ${kind}`, { ...body, [field]: value });
        }
      }
      sendBody('an extra field', { ...body, is_superuser: true, extra: 1 });
      sendJson('__proto__ key', `{"__proto__":{"is_superuser":true},${JSON.stringify(body).slice(1)}`);
      sendJson('constructor key', `{"constructor":{"prototype":{"is_superuser":true}},${JSON.stringify(body).slice(1)}`);
      sendJson('deeply nested object (4000 levels)', deepObject(4000));
      sendJson('deeply nested array (7000 levels)', '['.repeat(7000) + ']'.repeat(7000));
      sendJson('a 10 MB body', Buffer.alloc(10 * MB, 0x20));
      sendJson(
        'invalid UTF-8',
        Buffer.concat([Buffer.from('{"email":"'), Buffer.from([0xff, 0xfe, 0xc3, 0x28]), Buffer.from('@example.com","password":"\xff"}')]),
      );
      sendJson(
        'overlong UTF-8 encoding of "/"',
        Buffer.concat([Buffer.from('{"email":"a'), Buffer.from([0xc0, 0xaf]), Buffer.from('@example.com"}')]),
      );
      sendJson('a UTF-16 body', Buffer.from(JSON.stringify(body), 'utf16le'), 'application/json; charset=utf-16');
      const emailField = 'email' in body ? 'email' : 'username' in body ? 'username' : null;
      if (emailField) {
        sendBody('NUL byte in the email', { ...body, [emailField]: NUL_EMAIL });
        sendBody('control characters in the email', { ...body, [emailField]: 'ad\u0001m\u001bin@example.com' });
        sendBody('overlong email (300+ characters)', { ...body, [emailField]: OVERLONG_EMAIL });
        // Forgot-password answers 202 for any well-formed address, existing or not (no account
        // enumeration); it sends nothing for one that matches no account.
        sendBody('homoglyph email (Cyrillic а)', { ...body, [emailField]: HOMOGLYPH_EMAIL }, name === 'forgotPassword' ? 'no-5xx' : 'reject');
      }
      if ('password' in body) sendBody('NUL byte in the password', { ...body, password: 'correct horse\u0000battery staple' });
      sendJson('text/plain content type', JSON.stringify(body), 'text/plain');
      sendJson('no content type', JSON.stringify(body), '');
      sendJson('multipart content type without boundary', JSON.stringify(body), 'multipart/form-data');
      sendJson('JSON with a trailing comma', `${JSON.stringify(body).slice(0, -1)},}`);
      sendJson('a bare JSON string', '"just a string"');
    }
    return cases;
  }

  const CASES = buildCases();

  function expectSafeAnswer(label: string, expectation: Expectation, res: request.Response): void {
    const context = `${label} -> ${res.status} ${res.text.slice(0, 300)}`;
    expect({ context, is5xx: res.status >= 500 }).toEqual({ context, is5xx: false });
    expect(res.text).not.toMatch(/^\s*at\s|\bat \S+ \(|node_modules|\.ts:\d|\.js:\d|Prisma|PGlite|SyntaxError|TypeError/m);
    if (expectation === 'reject') expect({ context, is4xx: res.status >= 400 && res.status < 500 }).toEqual({ context, is4xx: true });
    if (res.status >= 400) {
      expect({ context, contentType: res.headers['content-type'] }).toEqual({ context, contentType: expect.stringMatching(/^application\/json/) });
      const parsed = JSON.parse(res.text) as { detail: unknown; message: unknown };
      expect({ context, detail: typeof parsed.detail, message: typeof parsed.message }).toEqual({ context, detail: 'string', message: 'string' });
    } else if (res.status === 302) {
      // Browser flows (OIDC authorize/callback) answer with a redirect to the login page's message.
      expect(String(res.headers.location)).toMatch(/^http:\/\/gatehouse\.test\//);
    }
  }

  it(`has at least 100 table-driven cases (${CASES.length})`, () => {
    expect(CASES.length).toBeGreaterThanOrEqual(100);
  });

  it('every table-driven case gets a safe answer', async () => {
    // Every case runs; the failures are reported together.
    const failures: string[] = [];
    for (const hostile of CASES) {
      const res = await hostile.send(base);
      answers.push({
        name: hostile.name,
        expect: hostile.expect,
        status: res.status,
        contentType: String(res.headers['content-type']),
        text: res.text,
      });
      try {
        expectSafeAnswer(hostile.name, hostile.expect, res);
      } catch (error) {
        failures.push(`${hostile.name}: ${res.status} ${res.text.slice(0, 200)}`);
      }
    }
    expect(failures).toEqual([]);
  }, 600_000);

  it('property: any JSON value as the body of any body route is a 4xx JSON error or a clean success', async () => {
    const bodyRoutes = (Object.entries(ROUTES) as Array<[RouteName, RouteSpec]>).filter(([, spec]) => spec.request);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...bodyRoutes), fc.jsonValue({ maxDepth: 4 }), async ([name, spec], value) => {
        const res = await call(base, spec, pathOf(name))
          .set(spec.auth === 'none' ? {} : { Authorization: `Bearer ${adminToken}` })
          .set('Content-Type', 'application/json')
          .send(JSON.stringify(value));
        expectSafeAnswer(`${name} ${JSON.stringify(value).slice(0, 200)}`, 'no-5xx', res);
        // Random values must never create, change or delete anything. An empty object is the one
        // PATCH that succeeds (fastapi-users answers {} with the unchanged user); the digest check
        // at the end shows it changed nothing.
        const isEmptyObject = typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 0;
        expect(res.status === 201 || (res.status === 200 && spec.method === 'patch' && !isEmptyObject)).toBe(false);
      }),
      { numRuns: 150 },
    );
  }, 600_000);

  it('property: arbitrary Authorization, Cookie and X-Request-Id headers never cause a 5xx', async () => {
    const headerValue = fc.string({ maxLength: 200 }).map((value) => value.replace(/[^\x20-\x7e]/g, ''));
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...(Object.keys(ROUTES) as RouteName[])),
        headerValue,
        headerValue,
        headerValue,
        async (name, authorization, cookie, requestId) => {
          const spec: RouteSpec = ROUTES[name];
          const res = await call(base, spec, pathOf(name)).set({
            Authorization: `Bearer ${authorization}`,
            Cookie: cookie,
            'X-Request-Id': requestId,
          });
          expectSafeAnswer(`${name} auth=${authorization} cookie=${cookie}`, spec.auth === 'none' ? 'no-5xx' : 'reject', res);
        },
      ),
      { numRuns: 100 },
    );
  }, 600_000);

  it('the process still serves, and no table changed (row counts and digests)', async () => {
    const health = await request(base).get(`${API_PREFIX}/health`);
    expect(health.status).toBe(200);
    expect(await digestTables(t.ctx.db)).toEqual(before);
    // Refusals were refusals: nothing was logged as an unhandled error.
    expect(t.logLines().filter((line) => line['msg'] === 'Unhandled error')).toEqual([]);
    // The cases reached the validators (not all stopped at one early check).
    const details = new Set(answers.filter((a) => a.status >= 400).map((a) => (JSON.parse(a.text) as { detail: string }).detail));
    for (const code of ['VALIDATION_ERROR', 'MALFORMED_BODY', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'UNAUTHORIZED', 'HEADERS_TOO_LARGE']) {
      expect(details).toContain(code);
    }
  });
});
