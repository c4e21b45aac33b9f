import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import request from 'supertest';
import { apiPath } from '@gatehouse/shared';
import { createTestContext, type TestContext } from '../test-support/test-context.js';
import { createUser, STRONG_PASSWORD } from '../test-support/fixtures.js';
import { createLogger } from '../logger.js';

// Each file builds real, migrated databases; on a loaded 2-core machine that alone can take a while.
jest.setTimeout(180_000);

describe('request ids and structured logs', () => {
  let t: TestContext;
  beforeAll(async () => {
    t = await createTestContext();
    await createUser(t.ctx, { email: 'user@example.com' });
  });
  afterAll(() => t.close());

  it('every answer carries an X-Request-Id; error bodies repeat it', async () => {
    const ok = await request(t.app).get(apiPath('health'));
    expect(ok.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const bad = await request(t.app).post(apiPath('jwtLogin')).send({ username: 'user@example.com', password: 'wrong' });
    expect(bad.status).toBe(400);
    expect(bad.body.request_id).toBe(bad.headers['x-request-id']);
    expect(bad.headers['x-request-id']).not.toBe(ok.headers['x-request-id']);
  });

  it("a caller's well-formed X-Request-Id is kept; a malformed one is replaced", async () => {
    const kept = await request(t.app).get(apiPath('getMe')).set('X-Request-Id', 'trace-abc.123:xyz');
    expect(kept.headers['x-request-id']).toBe('trace-abc.123:xyz');
    expect(kept.body.request_id).toBe('trace-abc.123:xyz');
    for (const hostile of ['a b', 'x'.repeat(129), 'inject\\nline', '<script>', '"quoted"', 'ünïcode']) {
      const res = await request(t.app).get(apiPath('getMe')).set('X-Request-Id', hostile);
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('every log line written while serving a request carries its id, services included', async () => {
    const id = 'login-trace-42';
    const res = await request(t.app)
      .post(apiPath('jwtLogin'))
      .set('X-Request-Id', id)
      .type('form')
      .send({ username: 'user@example.com', password: STRONG_PASSWORD });
    expect(res.status).toBe(200);
    await t.ctx.tasks.idle();
    const lines = t.logLines().filter((line) => JSON.stringify(line).includes(id));
    const messages = lines.map((line) => line['msg']);
    // The auth service's own line (logged deep inside, after body parsing) and the access line.
    expect(messages).toEqual(expect.arrayContaining(['User signed in with password', 'Request completed']));
    for (const line of lines) expect(line['reqId']).toBe(id);
    const access = lines.find((line) => line['msg'] === 'Request completed')!;
    expect(access).toMatchObject({ method: 'POST', path: '/api/v1/auth/jwt/login', status: 200, level: 30 });
    expect(typeof access['ms']).toBe('number');
    expect(JSON.stringify(lines)).not.toContain(STRONG_PASSWORD);
  });

  it('logs the streams that say nothing about anyone (metadata, probes that find all well) at debug, the rest at info', async () => {
    const levelOf = async (res: request.Response): Promise<unknown> => {
      await t.ctx.tasks.idle();
      const line = t.logLines().find((entry) => entry['reqId'] === res.headers['x-request-id'] && entry['msg'] === 'Request completed');
      expect(line).toMatchObject({ status: res.status });
      return line!['level'];
    };
    for (const route of ['authMetadata', 'health', 'healthLive', 'healthReady'] as const) {
      const res = await request(t.app).get(apiPath(route));
      expect(res.status).toBe(200);
      expect(await levelOf(res)).toBe(20);
    }
    const refused = await request(t.app).get(apiPath('getMe'));
    expect(refused.status).toBe(401);
    expect(await levelOf(refused)).toBe(30);
    const openapi = await request(t.app).get(apiPath('openapi'));
    expect(await levelOf(openapi)).toBe(30);
  });

  it('the access line never records the query string (OIDC codes and states travel there)', async () => {
    await request(t.app).get('/api/v1/auth/cookie/OpenID/callback?code=SECRETCODE&state=SECRETSTATE').set('X-Request-Id', 'cb-1');
    const text = t.logText();
    expect(text).toContain('cb-1');
    expect(text).not.toContain('SECRETCODE');
    expect(text).not.toContain('SECRETSTATE');
  });

  it('format "pretty" writes human-readable lines, "json" one object a line; the level filters', () => {
    const capture = () => {
      const chunks: string[] = [];
      const stream = new Writable({
        write(chunk: Buffer, _encoding, callback) {
          chunks.push(chunk.toString('utf8'));
          callback();
        },
      });
      return { stream, text: () => chunks.join('') };
    };
    const json = capture();
    createLogger('warn', json.stream, 'json').warn({ userId: 'u1' }, 'Something to see');
    createLogger('warn', json.stream, 'json').info('Filtered out');
    expect(JSON.parse(json.text())).toMatchObject({ level: 40, msg: 'Something to see', userId: 'u1' });
    const pretty = capture();
    const prettyLogger = createLogger('info', pretty.stream, 'pretty');
    prettyLogger.info({ userId: 'u2', password: 'hunter2' }, 'Pretty line');
    expect(pretty.text()).toMatch(/INFO.*Pretty line/);
    expect(pretty.text()).toContain('userId: "u2"');
    expect(pretty.text()).not.toContain('hunter2');
    expect(() => JSON.parse(pretty.text())).toThrow();
  });
});

describe('Prometheus metrics', () => {
  it('are off by default: /metrics is a 404', async () => {
    const t = await createTestContext();
    try {
      expect((await request(t.app).get('/metrics')).status).toBe(404);
    } finally {
      await t.close();
    }
  });

  it('when enabled: sign-in counters by method and result, and latency histograms by route template', async () => {
    const t = await createTestContext({ config: { metrics: { enabled: true } } });
    try {
      const user = await createUser(t.ctx, { email: 'user@example.com' });
      const login = (password: string) => request(t.app).post(apiPath('jwtLogin')).send({ username: 'user@example.com', password });
      expect((await login(STRONG_PASSWORD)).status).toBe(200);
      expect((await login('wrong')).status).toBe(400);
      expect((await login('wrong again')).status).toBe(400);
      await request(t.app).get('/api/v1/auth/cookie/OpenID/callback?code=x&state=y');
      await request(t.app).get(apiPath('getUser', { id: user.id }));
      const res = await request(t.app).get('/metrics');
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain/);
      const text = res.text;
      expect(text).toContain('gatehouse_logins_total{method="password",result="success"} 1');
      expect(text).toContain('gatehouse_logins_total{method="password",result="failure"} 2');
      expect(text).toContain('gatehouse_logins_total{method="password",result="rate_limited"} 0');
      expect(text).toContain('gatehouse_logins_total{method="oidc",result="failure"} 1');
      expect(text).toMatch(/gatehouse_http_request_duration_seconds_count\{method="POST",route="\/api\/v1\/auth\/jwt\/login",status="200"\} 1/);
      expect(text).toMatch(
        /gatehouse_http_request_duration_seconds_bucket\{le="0.1",method="POST",route="\/api\/v1\/auth\/jwt\/login",status="400"\} \d/,
      );
      // Route templates, never raw ids: the user's id is not a label value.
      expect(text).toContain('route="/api/v1/users/:id"');
      expect(text).not.toContain(user.id);
      expect(text).toContain('gatehouse_process_');
    } finally {
      await t.close();
    }
  });

  it('label routes the same under a sub-path frontend_url, and tell unmatched API paths from the web UI', async () => {
    const t = await createTestContext({ config: { metrics: { enabled: true }, misc: { frontend_url: 'https://media.example.com/auth' } } });
    try {
      await createUser(t.ctx, { email: 'user@example.com' });
      const login = await request(t.app)
        .post(`/auth${apiPath('jwtLogin')}`)
        .send({ username: 'user@example.com', password: STRONG_PASSWORD });
      expect(login.status).toBe(200);
      expect((await request(t.app).get('/auth/api/v1/no-such-route')).status).toBe(404);
      await request(t.app).get('/auth/some/page');
      const text = (await request(t.app).get('/metrics')).text;
      expect(text).toContain('gatehouse_logins_total{method="password",result="success"} 1');
      expect(text).toMatch(/_count\{method="POST",route="\/api\/v1\/auth\/jwt\/login",status="200"\} 1/);
      expect(text).toMatch(/_count\{method="GET",route="unmatched",status="404"\} 1/);
      expect(text).toMatch(/_count\{method="GET",route="web",status="404"\} 1/);
      expect(text).not.toContain('route="/auth/api/v1');
    } finally {
      await t.close();
    }
  });
});
