import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { createTestContext, type TestContext } from '../test-support/test-context.js';
import { createUser, loginBearer } from '../test-support/fixtures.js';
import { buildOidcProviderConfig } from '../test-support/oidc-fixtures.js';
import { describeInsecureFrontendUrl } from './public-url.js';
import { insertBaseHref } from '../app.js';

const SPOOFED_IP = '203.0.113.77';

async function listRateLimitKeys(t: TestContext): Promise<string[]> {
  const rows = await t.ctx.db.prisma.rateLimit.findMany({ select: { key: true } });
  return rows.map((row) => row.key);
}

async function failOneLogin(t: TestContext, forwardedFor: string): Promise<void> {
  const res = await request(t.app)
    .post('/api/v1/auth/jwt/login')
    .set('X-Forwarded-For', forwardedFor)
    .type('form')
    .send({ username: 'alice@example.com', password: 'wrong password, surely' });
  expect(res.status).toBe(400);
}

describe('server.trusted_proxies', () => {
  let trusting: TestContext;
  let untrusting: TestContext;

  beforeAll(async () => {
    // The test client connects from loopback: trusted in the first, not in the second.
    trusting = await createTestContext({ config: { server: { trusted_proxies: ['127.0.0.0/8', '::1/128'] } } });
    untrusting = await createTestContext({ config: { server: { trusted_proxies: ['10.0.0.0/8'] } } });
    for (const t of [trusting, untrusting]) await createUser(t.ctx, { email: 'alice@example.com' });
  }, 90_000);
  afterAll(async () => {
    await trusting.close();
    await untrusting.close();
  });

  it('takes the client address from X-Forwarded-For sent by a trusted proxy (rate limits and sessions)', async () => {
    await failOneLogin(trusting, `198.51.100.1, ${SPOOFED_IP}`);
    // The proxy appended the address it saw; what the client itself claimed (198.51.100.1) is not believed.
    expect(await listRateLimitKeys(trusting)).toContain(`login-client:${SPOOFED_IP}`);
    const token = await loginBearer(trusting.app, 'alice@example.com');
    await request(trusting.app)
      .post('/api/v1/auth/jwt/login')
      .set('X-Forwarded-For', SPOOFED_IP)
      .type('form')
      .send({ username: 'alice@example.com', password: 'correct horse battery staple' })
      .expect(200);
    const sessions = await request(trusting.app).get('/api/v1/users/me/sessions').set('Authorization', `Bearer ${token}`);
    expect(sessions.body.map((s: { ip_address: string }) => s.ip_address)).toContain(SPOOFED_IP);
  });

  it('ignores X-Forwarded-For from an untrusted peer: spoofing changes neither the rate-limit key nor the session address', async () => {
    await failOneLogin(untrusting, SPOOFED_IP);
    await failOneLogin(untrusting, '198.51.100.2');
    const keys = (await listRateLimitKeys(untrusting)).filter((key) => key.startsWith('login-client:'));
    // Both attempts counted against the one real address.
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(/^login-client:(::ffff:)?127\.0\.0\.1$/);
    const row = await untrusting.ctx.db.prisma.rateLimit.findUnique({ where: { key: keys[0]! } });
    expect(row?.count).toBe(2);

    const token = await loginBearer(untrusting.app, 'alice@example.com');
    const sessions = await request(untrusting.app)
      .get('/api/v1/users/me/sessions')
      .set('Authorization', `Bearer ${token}`)
      .set('X-Forwarded-For', SPOOFED_IP);
    expect(JSON.stringify(sessions.body)).not.toContain(SPOOFED_IP);
  });

  it('never builds a link from X-Forwarded-Host or -Proto, trusted or not', async () => {
    const admin = await createUser(trusting.ctx, { email: 'root@example.com', isSuperuser: true });
    const token = await loginBearer(trusting.app, 'root@example.com');
    const res = await request(trusting.app)
      .post(`/api/v1/users/${admin.id}/password-reset`)
      .set('Authorization', `Bearer ${token}`)
      .set('X-Forwarded-Host', 'evil.example.net')
      .set('X-Forwarded-Proto', 'https');
    expect(res.status).toBe(200);
    expect(res.body.reset_url).toMatch(/^http:\/\/gatehouse\.test\/reset-password\?token=/);
  });
});

describe('a sub-path frontend_url (https://media.example.com/auth)', () => {
  let t: TestContext;
  let distDir: string;

  beforeAll(async () => {
    distDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-web-'));
    fs.mkdirSync(path.join(distDir, 'assets'));
    fs.writeFileSync(
      path.join(distDir, 'index.html'),
      '<!doctype html><html><head><title>Gatehouse</title><script type="module" src="./assets/app.js"></script></head><body></body></html>',
    );
    fs.writeFileSync(path.join(distDir, 'assets', 'app.js'), 'console.log("app");');
    t = await createTestContext({
      webDistDir: distDir,
      config: {
        misc: { frontend_url: 'https://media.example.com/auth' },
        auth: {
          openid_connect: [
            buildOidcProviderConfig({
              name: 'Authentik',
              client_secret: 'secret',
              configuration_endpoint: 'https://id.example.com/.well-known/openid-configuration',
            }),
          ],
        },
      },
    });
    await createUser(t.ctx, { email: 'root@example.com', isSuperuser: true });
  }, 60_000);
  afterAll(async () => {
    await t.close();
    fs.rmSync(distDir, { recursive: true, force: true });
  });

  it('serves the API under the sub-path, and only the probes at the root', async () => {
    expect((await request(t.app).get('/auth/api/v1/health')).status).toBe(200);
    expect((await request(t.app).get('/auth/api/v1/health/ready')).body).toEqual({ status: 'ready', database: 'ok', migrations: 'ok' });
    expect((await request(t.app).get('/api/v1/health')).status).toBe(200);
    expect((await request(t.app).get('/api/v1/health/ready')).status).toBe(200);
    expect((await request(t.app).get('/api/v1/health/live')).body).toEqual({ status: 'ok' });
    const outside = await request(t.app).get('/api/v1/auth/metadata');
    expect(outside.status).toBe(404);
    expect(outside.body.detail).toBe('NOT_FOUND');
  });

  it('serves the web UI with <base href="/auth/"> so assets and routes resolve under it', async () => {
    for (const route of ['/auth/', '/auth/login', '/auth/admin/users']) {
      const page = await request(t.app).get(route);
      expect(page.status).toBe(200);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      expect(page.text).toContain('<head>\n    <base href="/auth/" />');
    }
    const asset = await request(t.app).get('/auth/assets/app.js');
    expect(asset.status).toBe(200);
    expect(asset.text).toContain('console.log');
    expect((await request(t.app).get('/login')).status).toBe(404);
  });

  it('scopes cookies to the sub-path, Secure because frontend_url is https (the hop itself is http)', async () => {
    const res = await request(t.app)
      .post('/auth/api/v1/auth/cookie/login')
      .send({ username: 'root@example.com', password: 'correct horse battery staple' });
    expect(res.status).toBe(204);
    const cookies = res.headers['set-cookie'] as unknown as string[];
    expect(cookies).toHaveLength(3);
    for (const cookie of cookies) {
      // ForwardAuth's credential is for the apps on this host, whatever their paths.
      expect(cookie).toContain(cookie.startsWith('gatehouse_forward=') ? 'Path=/;' : 'Path=/auth;');
      expect(cookie).toContain('Secure');
      expect(cookie).not.toContain('Domain=');
    }
  });

  it('puts the sub-path in the OIDC redirect URI and the authorize link', async () => {
    const res = await request(t.app).get('/auth/api/v1/auth/metadata');
    expect(res.status).toBe(200);
    expect(res.body.oidc_providers[0]).toMatchObject({
      redirect_uri: 'https://media.example.com/auth/api/v1/auth/cookie/Authentik/callback',
      authorize_url: '/auth/api/v1/auth/cookie/Authentik/authorize?redirect=true',
    });
  });

  it('puts the sub-path in the links it hands out (reset and setup links)', async () => {
    const login = await request(t.app)
      .post('/auth/api/v1/auth/jwt/login')
      .type('form')
      .send({ username: 'root@example.com', password: 'correct horse battery staple' });
    const token = (login.body as { access_token: string }).access_token;
    const user = await createUser(t.ctx, { email: 'bob@example.com' });
    const res = await request(t.app).post(`/auth/api/v1/users/${user.id}/password-reset`).set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(200);
    expect(res.body.reset_url).toMatch(/^https:\/\/media\.example\.com\/auth\/reset-password\?token=/);
  });

  it('accepts state-changing requests from its own origin only', async () => {
    const login = await request(t.app)
      .post('/auth/api/v1/auth/cookie/login')
      .set('Origin', 'https://media.example.com')
      .send({ username: 'root@example.com', password: 'correct horse battery staple' });
    expect(login.status).toBe(204);
    const foreign = await request(t.app)
      .post('/auth/api/v1/auth/cookie/login')
      .set('Origin', 'https://evil.example.net')
      .send({ username: 'root@example.com', password: 'correct horse battery staple' });
    expect(foreign.status).toBe(403);
    expect(foreign.body.detail).toBe('CSRF_FAILED');
  });
});

describe('cookie_domain', () => {
  it("shares only ForwardAuth's credential with every host under the domain; the session and CSRF cookies stay host-only", async () => {
    const t = await createTestContext({
      config: { misc: { frontend_url: 'https://auth.example.com/gatehouse' }, auth: { cookie_domain: 'example.com' } },
    });
    try {
      await createUser(t.ctx, { email: 'alice@example.com' });
      const res = await request(t.app)
        .post('/gatehouse/api/v1/auth/cookie/login')
        .send({ username: 'alice@example.com', password: 'correct horse battery staple' });
      expect(res.status).toBe(204);
      const cookies = res.headers['set-cookie'] as unknown as string[];
      expect(cookies.map((cookie) => cookie.slice(0, cookie.indexOf('=')))).toEqual(['gatehouse_session', 'gatehouse_csrf', 'gatehouse_forward']);
      for (const cookie of cookies) {
        expect(cookie).toContain('Path=/;');
        expect(cookie).toContain('Secure');
        expect(cookie).toContain('SameSite=Lax');
        if (cookie.startsWith('gatehouse_forward=')) {
          expect(cookie).toContain('Domain=example.com;');
          expect(cookie).toContain('HttpOnly');
        } else {
          expect(cookie).not.toContain('Domain=');
        }
      }
    } finally {
      await t.close();
    }
  });
});

describe('start-up checks and index.html', () => {
  it('warns about an http frontend_url on a host other than this machine, not about https or localhost', () => {
    expect(describeInsecureFrontendUrl({ misc: { frontend_url: 'http://media.example.com' } })).toContain('is http:// on media.example.com');
    for (const url of ['https://media.example.com/auth', 'http://localhost:8000', 'http://127.0.0.1:8000', 'http://gatehouse.localhost']) {
      expect(describeInsecureFrontendUrl({ misc: { frontend_url: url } })).toBeNull();
    }
  });

  it('writes exactly one <base href> into index.html', () => {
    const html = insertBaseHref('<html><head><base href="/old/"><title>x</title></head></html>', '/auth/');
    expect(html.match(/<base /g)).toHaveLength(1);
    expect(html).toContain('<base href="/auth/" />');
  });
});
