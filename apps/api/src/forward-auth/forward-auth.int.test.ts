import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { SESSION_COOKIE } from '@gatehouse/shared';
import { createAuthService } from '../auth/service.js';
import { createTestContext, type TestContext } from '../test-support/test-context.js';
import { createUser, loginBearer, loginCookie } from '../test-support/fixtures.js';

const FORWARD = '/api/v1/auth/forward';
const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xhtml+xml;q=0.9,*/*;q=0.8';

/** What Traefik adds when it asks ForwardAuth about a request for https://{host}{uri}. */
const forwardedFor = (host: string, uri = '/') => ({
  'X-Forwarded-Proto': 'https',
  'X-Forwarded-Host': host,
  'X-Forwarded-Uri': uri,
  'X-Forwarded-Method': 'GET',
});

describe('ForwardAuth (GET /api/v1/auth/forward)', () => {
  let t: TestContext;
  let aliceCookie: string;
  let adminCookie: string;
  let mediaMemberCookie: string;

  beforeAll(async () => {
    t = await createTestContext({
      config: {
        misc: { frontend_url: 'https://auth.example.com' },
        auth: {
          cookie_domain: 'example.com',
          forward_auth: {
            allowed_hosts: ['*.example.com', 'wiki.example.org'],
            rules: [
              { host: 'sonarr.example.com', admin_only: false, groups: ['media'] },
              { host: 'admin.example.com', admin_only: true, groups: [] },
            ],
          },
        },
      },
    });
    const alice = await createUser(t.ctx, { email: 'alice@example.com' });
    await createUser(t.ctx, { email: 'root@example.com', isSuperuser: true });
    aliceCookie = (await loginCookie(t.app, 'alice@example.com')).cookie;
    adminCookie = (await loginCookie(t.app, 'root@example.com')).cookie;
    // A session from an identity provider that said Alice is in "media" (the OIDC sign-in stores the groups claim).
    const issued = await createAuthService(t.ctx).issueSession(alice, 'cookie', 'oidc:Test', { userAgent: null, ipAddress: null }, [
      'media',
      'family',
    ]);
    mediaMemberCookie = `${SESSION_COOKIE}=${issued.token}`;
  });
  afterAll(() => t.close());

  it('lets a signed-in, active user through with Remote-* headers', async () => {
    const res = await request(t.app).get(FORWARD).set(forwardedFor('jellyfin.example.com', '/web/index.html')).set('Cookie', mediaMemberCookie);
    expect(res.status).toBe(200);
    expect(res.headers['remote-user']).toBe('alice@example.com');
    expect(res.headers['remote-email']).toBe('alice@example.com');
    expect(res.headers['remote-name']).toBe('alice@example.com');
    expect(res.headers['remote-groups']).toBe('media,family');
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('accepts a bearer token as well as the cookie', async () => {
    const token = await loginBearer(t.app, 'alice@example.com');
    const res = await request(t.app).get(FORWARD).set(forwardedFor('jellyfin.example.com')).set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(200);
    expect(res.headers['remote-groups']).toBe('');
  });

  it('sends an anonymous browser to the sign-in page, carrying the original URL back', async () => {
    const res = await request(t.app)
      .get(FORWARD)
      .set(forwardedFor('jellyfin.example.com', '/web/#/details?id=42&x=1'))
      .set('Accept', BROWSER_ACCEPT);
    expect(res.status).toBe(302);
    const location = new URL(res.headers.location!);
    expect(location.origin + location.pathname).toBe('https://auth.example.com/login');
    const returnTo = location.searchParams.get('returnTo')!;
    expect(returnTo.startsWith('/api/v1/auth/forward/return?rd=')).toBe(true);
    const rd = new URL(returnTo, 'https://x.invalid').searchParams.get('rd');
    expect(rd).toBe('https://jellyfin.example.com/web/#/details?id=42&x=1');

    // ...and the way back redirects there (the host is allowed).
    const back = await request(t.app).get(returnTo);
    expect(back.status).toBe(302);
    expect(back.headers.location).toBe('https://jellyfin.example.com/web/#/details?id=42&x=1');
  });

  it('answers 401 JSON to an API client that is not signed in', async () => {
    const res = await request(t.app).get(FORWARD).set(forwardedFor('jellyfin.example.com', '/api/items')).set('Accept', 'application/json');
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ detail: 'UNAUTHORIZED', message: 'Sign in first.' });
    // A revoked or forged session is the same as none.
    const forged = await request(t.app).get(FORWARD).set(forwardedFor('jellyfin.example.com')).set('Cookie', `${SESSION_COOKIE}=forged`);
    expect(forged.status).toBe(401);
  });

  it('refuses a host that is not in allowed_hosts, even for a signed-in user', async () => {
    for (const host of ['evil.example.net', 'example.com', 'jellyfin.example.com.evil.net']) {
      const res = await request(t.app).get(FORWARD).set(forwardedFor(host)).set('Cookie', adminCookie).set('Accept', BROWSER_ACCEPT);
      expect(res.status).toBe(403);
      expect(res.body.detail).toBe('FORWARD_AUTH_HOST_NOT_ALLOWED');
      expect(res.body.message).toContain(host);
    }
    // The way back refuses such hosts too: no open redirect.
    for (const rd of ['https://evil.example.net/', 'javascript:alert(1)', 'https://user:pw@jellyfin.example.com/', '//evil.net']) {
      const back = await request(t.app).get('/api/v1/auth/forward/return').query({ rd });
      expect(back.status).toBe(403);
      expect(back.body.detail).toBe('FORWARD_AUTH_HOST_NOT_ALLOWED');
    }
  });

  it('enforces a host rule\'s groups', async () => {
    const outsider = await request(t.app).get(FORWARD).set(forwardedFor('sonarr.example.com')).set('Cookie', aliceCookie);
    expect(outsider.status).toBe(403);
    expect(outsider.body).toMatchObject({ detail: 'FORBIDDEN', message: 'Only members of media may open this app.' });
    const member = await request(t.app).get(FORWARD).set(forwardedFor('sonarr.example.com')).set('Cookie', mediaMemberCookie);
    expect(member.status).toBe(200);
  });

  it('enforces admin-only rules and the ?admin=true and ?group= parameters', async () => {
    const ruleDenied = await request(t.app).get(FORWARD).set(forwardedFor('admin.example.com')).set('Cookie', mediaMemberCookie);
    expect(ruleDenied.status).toBe(403);
    expect(ruleDenied.body.message).toBe('Only administrators may open this app.');
    expect((await request(t.app).get(FORWARD).set(forwardedFor('admin.example.com')).set('Cookie', adminCookie)).status).toBe(200);

    const queryDenied = await request(t.app).get(`${FORWARD}?admin=true`).set(forwardedFor('wiki.example.org')).set('Cookie', aliceCookie);
    expect(queryDenied.status).toBe(403);
    expect((await request(t.app).get(`${FORWARD}?admin=true`).set(forwardedFor('wiki.example.org')).set('Cookie', adminCookie)).status).toBe(200);

    const groupDenied = await request(t.app).get(`${FORWARD}?group=books,comics`).set(forwardedFor('wiki.example.org')).set('Cookie', mediaMemberCookie);
    expect(groupDenied.status).toBe(403);
    expect(groupDenied.body.message).toBe('Only members of books or comics may open this app.');
    expect((await request(t.app).get(`${FORWARD}?group=books,family`).set(forwardedFor('wiki.example.org')).set('Cookie', mediaMemberCookie)).status).toBe(200);

    const malformed = await request(t.app).get(`${FORWARD}?admin=yes`).set(forwardedFor('wiki.example.org')).set('Cookie', adminCookie);
    expect(malformed.status).toBe(422);
    expect(malformed.body.detail).toBe('VALIDATION_ERROR');
  });

  it('refuses forwarded headers that are missing or unusable', async () => {
    const missing = await request(t.app).get(FORWARD).set('Cookie', aliceCookie);
    expect(missing.status).toBe(403);
    expect(missing.body.message).toContain('X-Forwarded-Host');
    const badUri = await request(t.app).get(FORWARD).set(forwardedFor('jellyfin.example.com', '//evil.net/x')).set('Cookie', aliceCookie);
    expect(badUri.status).toBe(403);
  });
});

describe('ForwardAuth from a peer that is not a trusted proxy', () => {
  let t: TestContext;

  beforeAll(async () => {
    // The test client connects from 127.0.0.1, which is not in this list.
    t = await createTestContext({
      config: {
        server: { trusted_proxies: ['10.0.0.0/8'] },
        auth: { forward_auth: { allowed_hosts: ['*.example.com'], rules: [] } },
      },
    });
    await createUser(t.ctx, { email: 'alice@example.com' });
  });
  afterAll(() => t.close());

  it('believes none of its X-Forwarded-* headers', async () => {
    const { cookie } = await loginCookie(t.app, 'alice@example.com');
    const res = await request(t.app).get(FORWARD).set(forwardedFor('jellyfin.example.com')).set('Cookie', cookie);
    expect(res.status).toBe(403);
    expect(res.body.detail).toBe('FORWARD_AUTH_HOST_NOT_ALLOWED');
    expect(res.body.message).toContain('server.trusted_proxies');
    expect(res.headers['remote-user']).toBeUndefined();
  });
});
