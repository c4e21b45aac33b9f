// Gatehouse as self-hosters run it when one instance is not enough: two processes of the built
// server on one PostgreSQL, behind a real reverse proxy (nginx, configured like Traefik: X-Forwarded-*
// headers, round-robin, a sub-path). Also the database's faults: Postgres going away and coming
// back, and a full connection pool. Needs nginx and the PostgreSQL server binaries: without them
// this suite fails (it is never skipped); .ci/run installs both.
import crypto from 'node:crypto';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { findPostgresBinDir, startPostgresCluster, type PostgresCluster } from '../../scripts/lib/postgres-cluster.mjs';
import { REPO_ROOT, findFreePort, startGatehouse, type RunningGatehouse } from '../support/gatehouse-server.js';
import { findNginx, startNginx, type RunningNginx } from '../support/nginx.js';
import { startTestIdp, type RunningTestIdp } from '../support/test-idp.js';

const BASE_PATH = '/auth';
const PASSWORD = 'correct horse battery staple';
const MIGRATION_COUNT = readdirSync(path.join(REPO_ROOT, 'prisma/migrations'), { withFileTypes: true }).filter((entry) => entry.isDirectory()).length;
/** A request to Gatehouse must be answered within this, whatever the database does. */
const ANSWER_BOUND_MS = 8_000;

interface Answer {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

async function call(
  url: string,
  init: { method?: string; token?: string; cookie?: string; json?: unknown; form?: Record<string, string> } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (init.token) headers['authorization'] = `Bearer ${init.token}`;
  if (init.cookie) headers['cookie'] = init.cookie;
  let body: string | undefined;
  if (init.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(init.json);
  } else if (init.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(init.form).toString();
  }
  const response = await fetch(url, { method: init.method ?? 'GET', headers, body, redirect: 'manual', signal: AbortSignal.timeout(20_000) });
  const text = await response.text();
  let parsed: Record<string, unknown>;
  try {
    parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    parsed = { text };
  }
  return { status: response.status, body: parsed, headers: response.headers };
}

/** Cookies of one origin, by name (enough for these flows: no two cookies share a name). */
class CookieJar {
  private readonly cookies = new Map<string, string>();
  store(headers: Headers): void {
    for (const line of headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const index = pair.indexOf('=');
      const name = pair.slice(0, index);
      const value = pair.slice(index + 1);
      if (value === '' || /max-age=0|expires=thu, 01 jan 1970/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
  get(name: string): string | undefined {
    return this.cookies.get(name);
  }
}

async function get(url: string, jar: CookieJar): Promise<Response> {
  const response = await fetch(url, { headers: { cookie: jar.header() }, redirect: 'manual', signal: AbortSignal.timeout(10_000) });
  jar.store(response.headers);
  return response;
}

describe('two replicas on one PostgreSQL behind nginx', () => {
  let cluster: PostgresCluster;
  let idp: RunningTestIdp;
  let nginx: RunningNginx;
  let replicaA: RunningGatehouse;
  let replicaB: RunningGatehouse;
  let databaseUrl: string;
  let frontendUrl: string;
  /** A replica's own address, with the sub-path: requests that must reach that replica. */
  const direct = (replica: RunningGatehouse, apiPath: string) => `${replica.baseUrl}${BASE_PATH}/api/v1${apiPath}`;
  const viaProxy = (apiPath: string) => `${frontendUrl}/api/v1${apiPath}`;

  beforeAll(async () => {
    if (!findNginx()) throw new Error('nginx is not installed: apt-get install nginx (the replica tests need a real reverse proxy).');
    if (!findPostgresBinDir()) throw new Error('The PostgreSQL server binaries are not installed: apt-get install postgresql.');
    cluster = await startPostgresCluster();
    const admin = new pg.Client({ connectionString: cluster.url });
    await admin.connect();
    await admin.query('CREATE DATABASE gatehouse');
    await admin.end();
    databaseUrl = cluster.url.replace(/\/postgres$/, '/gatehouse');

    const [portA, portB, proxyPort] = await distinctFreePorts(3);
    frontendUrl = `http://127.0.0.1:${proxyPort}${BASE_PATH}`;
    idp = await startTestIdp();
    await idp.configure(
      {
        client_id: 'gatehouse',
        client_secret: 'replica-test-client-secret',
        redirect_uris: [`${frontendUrl}/api/v1/auth/cookie/TestIdP/callback`],
        post_logout_redirect_uris: [`${frontendUrl}/login`],
      },
      { carol: { email: 'carol@example.com', email_verified: true, name: 'Carol', preferred_username: 'carol' } },
    );
    const configToml = [
      '[server]',
      '[auth]',
      `token_secret = "${crypto.randomBytes(32).toString('hex')}"`,
      'admin_emails = []',
      'registration_enabled = true',
      'bcrypt_cost = 10',
      // No growing delays before the lock, so the test can count failures straight up to it.
      '[auth.rate_limits]',
      'backoff_after = 10',
      '[database]',
      `url = "${databaseUrl}"`,
      'pool_size = 3',
      'pool_timeout = 2',
      '[[auth.openid_connect]]',
      'enabled = true',
      'name = "TestIdP"',
      'client_id = "gatehouse"',
      'client_secret = "replica-test-client-secret"',
      `configuration_endpoint = "${idp.issuer}/.well-known/openid-configuration"`,
      '',
    ].join('\n');
    // Both at once, as an orchestrator starts replicas.
    [replicaA, replicaB] = await Promise.all([
      startGatehouse({ configToml, frontendUrl, port: portA!, startTimeoutMs: 90_000 }),
      startGatehouse({ configToml, frontendUrl, port: portB!, startTimeoutMs: 90_000 }),
    ]);
    nginx = await startNginx({ basePath: BASE_PATH, upstreamPorts: [portA!, portB!], port: proxyPort! });
  }, 180_000);

  afterAll(async () => {
    await nginx?.stop();
    await Promise.allSettled([replicaA?.stop(), replicaB?.stop()]);
    await idp?.close();
    cluster?.stop();
  }, 60_000);

  it('applies the migrations once when both replicas start together, and both are ready', async () => {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ migration_name: string }>('SELECT migration_name FROM "_prisma_migrations"');
      expect(rows).toHaveLength(MIGRATION_COUNT);
      expect(new Set(rows.map((row) => row.migration_name)).size).toBe(MIGRATION_COUNT);
    } finally {
      await client.end();
    }
    const applied = [replicaA, replicaB].map(
      (replica) => replica.logLines.filter((line) => line.json?.['msg'] === 'Applied database migration').length,
    );
    // One replica applied them all under the advisory lock; the other found nothing left to do.
    expect(applied.reduce((sum, count) => sum + count, 0)).toBe(MIGRATION_COUNT);
    expect(applied.sort()).toEqual([0, MIGRATION_COUNT]);
    for (const replica of [replicaA, replicaB]) {
      const ready = await call(direct(replica, '/health/ready'));
      expect(ready).toMatchObject({ status: 200, body: { status: 'ready', database: 'ok', migrations: 'ok' } });
    }
  });

  it('serves the web UI and API through the proxy on the sub-path, round-robin over both replicas', async () => {
    const page = await fetch(`${frontendUrl}/login`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(`<base href="${BASE_PATH}/" />`);
    for (let i = 0; i < 4; i += 1) expect((await call(viaProxy('/health'))).status).toBe(200);
    const upstreams = new Set(
      (await nginx.readAccessLog()).filter((line) => line.endsWith(`${BASE_PATH}/api/v1/health`)).map((line) => line.split(' ')[1]),
    );
    expect(upstreams).toEqual(new Set([`127.0.0.1:${replicaA.port}`, `127.0.0.1:${replicaB.port}`]));
  });

  it('accepts a password sign-in made on one replica on the other, and a sign-out on one everywhere', async () => {
    const registered = await call(viaProxy('/auth/register'), { method: 'POST', json: { email: 'alice@example.com', password: PASSWORD } });
    expect(registered.status).toBe(201);

    const login = await call(direct(replicaA, '/auth/jwt/login'), { method: 'POST', form: { username: 'alice@example.com', password: PASSWORD } });
    expect(login.status).toBe(200);
    const token = String(login.body['access_token']);
    const onB = await call(direct(replicaB, '/users/me'), { token });
    expect(onB).toMatchObject({ status: 200, body: { email: 'alice@example.com' } });

    const cookieLogin = await fetch(direct(replicaB, '/auth/cookie/login'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'alice@example.com', password: PASSWORD }),
    });
    expect(cookieLogin.status).toBe(204);
    const jar = new CookieJar();
    jar.store(cookieLogin.headers);
    expect((await call(direct(replicaA, '/users/me'), { cookie: jar.header() })).status).toBe(200);

    expect((await call(direct(replicaB, '/auth/jwt/logout'), { method: 'POST', token })).status).toBe(204);
    expect((await call(direct(replicaA, '/users/me'), { token })).status).toBe(401);
  });

  it('completes on one replica an OpenID Connect sign-in begun on the other', async () => {
    const gatehouse = new CookieJar();
    const begun = await get(`${direct(replicaA, '/auth/cookie/TestIdP/authorize')}?redirect=true`, gatehouse);
    expect(begun.status).toBe(302);
    expect(gatehouse.get('gatehouse_oidc')).toBeDefined();

    // At the identity provider: follow its redirects, sign in on its form.
    const provider = new CookieJar();
    let next = new URL(begun.headers.get('location')!);
    let response = await get(next.href, provider);
    for (let hop = 0; hop < 10 && response.status >= 300 && response.status < 400; hop += 1) {
      next = new URL(response.headers.get('location')!, next);
      response = await get(next.href, provider);
    }
    expect(response.status).toBe(200);
    const submitted = await fetch(next.href, {
      method: 'POST',
      headers: { cookie: provider.header(), 'content-type': 'application/x-www-form-urlencoded' },
      body: 'login=carol',
      redirect: 'manual',
    });
    provider.store(submitted.headers);
    next = new URL(submitted.headers.get('location')!, next);
    response = await get(next.href, provider);
    for (let hop = 0; hop < 10 && !next.href.startsWith(frontendUrl); hop += 1) {
      next = new URL(response.headers.get('location')!, next);
      if (!next.href.startsWith(frontendUrl)) response = await get(next.href, provider);
    }
    expect(next.pathname).toBe(`${BASE_PATH}/api/v1/auth/cookie/TestIdP/callback`);

    // The provider sends the browser back through the proxy; here it is made to land on the other replica.
    const callback = await get(`${replicaB.baseUrl}${next.pathname}${next.search}`, gatehouse);
    expect(callback.status).toBe(302);
    expect(callback.headers.get('location')).toBe(`${frontendUrl}/`);
    expect(gatehouse.get('gatehouse_session')).toBeDefined();
    const me = await call(viaProxy('/users/me'), { cookie: gatehouse.header() });
    expect(me).toMatchObject({ status: 200, body: { email: 'carol@example.com' } });
    expect(replicaA.logText()).not.toContain('User signed in with OpenID Connect');
    expect(replicaB.logText()).toContain('User signed in with OpenID Connect');
  });

  it('counts failed sign-ins across both replicas for the rate limit', async () => {
    expect((await call(viaProxy('/auth/register'), { method: 'POST', json: { email: 'bob@example.com', password: PASSWORD } })).status).toBe(201);
    const attempt = (replica: RunningGatehouse, password: string) =>
      call(direct(replica, '/auth/jwt/login'), { method: 'POST', form: { username: 'bob@example.com', password } });
    // The per-account limit is 10 failures per 15 minutes: 5 on each replica reach it.
    for (let i = 0; i < 5; i += 1) {
      expect((await attempt(replicaA, `wrong ${i}`)).status).toBe(400);
      expect((await attempt(replicaB, `wrong ${i}`)).status).toBe(400);
    }
    for (const replica of [replicaA, replicaB]) {
      const refused = await attempt(replica, PASSWORD);
      expect(refused.status).toBe(429);
      expect(refused.body['detail']).toBe('RATE_LIMITED');
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    }
  });

  it('loses no request when one replica gets SIGTERM under load', async () => {
    const login = await call(viaProxy('/auth/jwt/login'), { method: 'POST', form: { username: 'alice@example.com', password: PASSWORD } });
    const token = String(login.body['access_token']);
    const logLinesBefore = (await nginx.readAccessLog()).length;
    const outcomes: string[] = [];
    let isRunning = true;
    const worker = async (index: number) => {
      for (let i = 0; isRunning && i < 2000; i += 1) {
        try {
          // Sign-ins (a bcrypt hash each, so some are in flight at any moment) and authenticated reads.
          const answer =
            (i + index) % 3 === 0
              ? await call(viaProxy('/auth/jwt/login'), { method: 'POST', form: { username: 'alice@example.com', password: PASSWORD } })
              : await call(viaProxy('/users/me'), { token });
          outcomes.push(String(answer.status));
        } catch (error) {
          outcomes.push(`error: ${(error as Error).message}`);
        }
      }
    };
    const load = Promise.all([0, 1, 2, 3].map(worker));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const exit = await replicaA.stop();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    isRunning = false;
    await load;

    expect(exit.code).toBe(0);
    expect(replicaA.logText()).toContain('Shutting down');
    expect(outcomes.length).toBeGreaterThan(20);
    expect(outcomes.filter((outcome) => outcome !== '200')).toEqual([]);
    const served = (await nginx.readAccessLog()).slice(logLinesBefore);
    // Replica A did take part in the load before it stopped, and nginx answered nothing but 200.
    expect(served.some((line) => line.split(' ')[1]!.includes(`127.0.0.1:${replicaA.port}`))).toBe(true);
    expect(served.filter((line) => !line.startsWith('200 '))).toEqual([]);
  }, 60_000);

  it('answers 503 JSON while PostgreSQL is down, says not ready, and recovers by itself when it is back', async () => {
    const login = await call(viaProxy('/auth/jwt/login'), { method: 'POST', form: { username: 'alice@example.com', password: PASSWORD } });
    const token = String(login.body['access_token']);
    cluster.pause();
    try {
      for (const apiPath of ['/users/me', '/auth/metadata']) {
        const startedAt = Date.now();
        const answer = await call(viaProxy(apiPath), { token });
        expect(Date.now() - startedAt).toBeLessThan(ANSWER_BOUND_MS);
        expect(answer.status).toBe(503);
        expect(answer.body).toMatchObject({ detail: 'SERVICE_UNAVAILABLE', message: expect.stringContaining('database') });
      }
      const startedAt = Date.now();
      const ready = await call(viaProxy('/health/ready'));
      expect(Date.now() - startedAt).toBeLessThan(ANSWER_BOUND_MS);
      expect(ready).toMatchObject({ status: 503, body: { status: 'not_ready', database: 'unreachable' } });
      expect(replicaB.logText()).not.toContain('"level":60');
    } finally {
      cluster.resume();
    }
    // No restart: the same process serves again once the database is back.
    const deadline = Date.now() + 20_000;
    let status = 0;
    while (Date.now() < deadline && status !== 200) {
      status = (await call(viaProxy('/health/ready'))).status;
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(status).toBe(200);
    expect(await call(viaProxy('/users/me'), { token })).toMatchObject({ status: 200, body: { email: 'alice@example.com' } });
  }, 60_000);

  it('answers 503 after a bounded wait when every pooled connection is busy', async () => {
    const login = await call(direct(replicaB, '/auth/jwt/login'), { method: 'POST', form: { username: 'alice@example.com', password: PASSWORD } });
    const token = String(login.body['access_token']);
    // Another client locks the sessions table: every authenticated request holds a connection, waiting.
    const locker = new pg.Client({ connectionString: databaseUrl });
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE sessions IN ACCESS EXCLUSIVE MODE');
    let blocked: Promise<Answer[]>;
    try {
      // pool_size = 3: three requests take every connection...
      blocked = Promise.all([0, 1, 2].map(() => call(direct(replicaB, '/users/me'), { token })));
      await new Promise((resolve) => setTimeout(resolve, 500));
      // ...and the fourth waits pool_timeout (2 s) for one, then gets a 503.
      const startedAt = Date.now();
      const refused = await call(direct(replicaB, '/users/me'), { token });
      const waitedMs = Date.now() - startedAt;
      expect(refused.status).toBe(503);
      expect(refused.body['detail']).toBe('SERVICE_UNAVAILABLE');
      expect(waitedMs).toBeGreaterThanOrEqual(1500);
      expect(waitedMs).toBeLessThan(ANSWER_BOUND_MS);
    } finally {
      await locker.query('COMMIT');
      await locker.end();
    }
    // Once the lock is gone the waiting requests finish normally.
    expect((await blocked).map((answer) => answer.status)).toEqual([200, 200, 200]);
  }, 60_000);
});

async function distinctFreePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await findFreePort());
  return [...ports];
}
