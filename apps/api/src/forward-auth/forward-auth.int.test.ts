import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { CSRF_HEADER, FORWARD_COOKIE, SESSION_COOKIE } from '@gatehouse/shared';
import { createTestContext, type TestContext } from '../test-support/test-context.js';
import { createUser, loginBearer, loginCookie, readSetCookies } from '../test-support/fixtures.js';

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
              { host: 'sonarr.example.com', admin_only: false, groups: ['media'], api_keys: false },
              { host: 'admin.example.com', admin_only: true, groups: [], api_keys: false },
            ],
          },
        },
      },
    });
    const alice = await createUser(t.ctx, { email: 'alice@example.com', emailVerifiedAt: t.clock.now() });
    await createUser(t.ctx, { email: 'root@example.com', isSuperuser: true, emailVerifiedAt: t.clock.now() });
    // What a protected app's host receives: ForwardAuth's own credential, not the session cookie.
    aliceCookie = (await loginCookie(t.app, 'alice@example.com')).forwardCookie;
    adminCookie = (await loginCookie(t.app, 'root@example.com')).forwardCookie;
    // A session from an identity provider that said Alice is in "media" (the OIDC sign-in stores the groups claim).
    const issued = await t.services.auth.issueSession(alice, 'cookie', 'oidc:Test', { userAgent: null, ipAddress: null }, ['media', 'family']);
    mediaMemberCookie = `${FORWARD_COOKIE}=${issued.forwardToken}`;
  });
  afterAll(() => t.close());

  it('lets a signed-in, active user through with Remote-* headers', async () => {
    const res = await request(t.app).get(FORWARD).set(forwardedFor('jellyfin.example.com', '/web/index.html')).set('Cookie', mediaMemberCookie);
    expect(res.status).toBe(200);
    expect(res.headers['remote-user']).toBe('alice@example.com');
    expect(res.headers['remote-email']).toBe('alice@example.com');
    expect(res.headers['remote-email-verified']).toBe('true');
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
    const res = await request(t.app).get(FORWARD).set(forwardedFor('jellyfin.example.com', '/web/#/details?id=42&x=1')).set('Accept', BROWSER_ACCEPT);
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
    const forged = await request(t.app).get(FORWARD).set(forwardedFor('jellyfin.example.com')).set('Cookie', `${FORWARD_COOKIE}=forged`);
    expect(forged.status).toBe(401);
  });

  it("ignores the protected app's own Authorization header and lets the gatehouse_forward cookie decide", async () => {
    const foreignJwt = ['eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9', 'eyJzdWIiOiJqZWxseWZpbiJ9', 'c2lnbmF0dXJl'].join('.');
    const schemes = [
      `Basic ${Buffer.from('alice:app-password').toString('base64')}`,
      'MediaBrowser Client="Jellyfin Web", Device="Firefox", DeviceId="abc", Version="10.9.0", Token="0123456789abcdef"',
      `Bearer ${foreignJwt}`,
      'Bearer not-a-jwt-at-all',
    ];
    for (const authorization of schemes) {
      const res = await request(t.app)
        .get(FORWARD)
        .set(forwardedFor('jellyfin.example.com', '/Users/Me'))
        .set('Authorization', authorization)
        .set('Cookie', mediaMemberCookie);
      expect({ authorization, status: res.status }).toEqual({ authorization, status: 200 });
      expect(res.headers['remote-email']).toBe('alice@example.com');
      expect(res.headers['remote-groups']).toBe('media,family');
      // Without the forward cookie the same header is nobody.
      const alone = await request(t.app).get(FORWARD).set(forwardedFor('jellyfin.example.com')).set('Authorization', authorization);
      expect(alone.status).toBe(401);
    }
  });

  it('judges a Gatehouse Bearer token as such: a revoked one is 401 even beside a valid forward cookie', async () => {
    const token = await loginBearer(t.app, 'alice@example.com');
    expect((await request(t.app).post('/api/v1/auth/jwt/logout').set('Authorization', `Bearer ${token}`)).status).toBe(204);
    const res = await request(t.app)
      .get(FORWARD)
      .set(forwardedFor('jellyfin.example.com'))
      .set('Authorization', `Bearer ${token}`)
      .set('Cookie', adminCookie);
    expect(res.status).toBe(401);
    expect(res.headers['remote-user']).toBeUndefined();
    // A cookie session's token is no Bearer token here either.
    const cookieToken = (await loginCookie(t.app, 'root@example.com')).sessionToken;
    const asBearer = await request(t.app).get(FORWARD).set(forwardedFor('jellyfin.example.com')).set('Authorization', `Bearer ${cookieToken}`);
    expect(asBearer.status).toBe(401);
  });

  it('does not take the session cookie: only gatehouse_forward or a Gatehouse Bearer token', async () => {
    const session = await loginCookie(t.app, 'root@example.com');
    const res = await request(t.app).get(FORWARD).set(forwardedFor('jellyfin.example.com')).set('Cookie', session.cookie);
    expect(res.status).toBe(401);
    // Nor the session token under the forward cookie's name.
    const renamed = await request(t.app)
      .get(FORWARD)
      .set(forwardedFor('jellyfin.example.com'))
      .set('Cookie', `${FORWARD_COOKIE}=${session.sessionToken}`);
    expect(renamed.status).toBe(401);
    expect((await request(t.app).get(FORWARD).set(forwardedFor('jellyfin.example.com')).set('Cookie', session.forwardCookie)).status).toBe(200);
  });

  it('makes the forward cookie useless against the API, as cookie and as Bearer', async () => {
    const session = await loginCookie(t.app, 'root@example.com');
    for (const [header, value] of [
      ['Cookie', `${SESSION_COOKIE}=${session.forwardToken}`],
      ['Cookie', session.forwardCookie],
      ['Authorization', `Bearer ${session.forwardToken}`],
    ] as const) {
      const me = await request(t.app).get('/api/v1/users/me').set(header, value);
      expect({ header, status: me.status }).toEqual({ header, status: 401 });
      const users = await request(t.app).get('/api/v1/users').set(header, value);
      expect(users.status).toBe(401);
    }
    const create = await request(t.app)
      .post('/api/v1/users')
      .set('Authorization', `Bearer ${session.forwardToken}`)
      .send({ email: 'mallory@example.com', password: 'correct horse battery staple' });
    expect(create.status).toBe(401);
    // The session itself is fine: its own cookie works on the API.
    expect((await request(t.app).get('/api/v1/users/me').set('Cookie', session.cookie)).status).toBe(200);
  });

  it('stops the forward cookie when its session signs out (and clears it with the same Domain and Path)', async () => {
    const session = await loginCookie(t.app, 'alice@example.com');
    const before = await request(t.app).get(FORWARD).set(forwardedFor('jellyfin.example.com')).set('Cookie', session.forwardCookie);
    expect(before.status).toBe(200);
    const logout = await request(t.app)
      .post('/api/v1/auth/cookie/logout')
      .set({ Cookie: session.cookie, [CSRF_HEADER]: session.csrf });
    expect(logout.status).toBe(204);
    const cleared = (logout.headers['set-cookie'] as unknown as string[]).find((line) => line.startsWith(`${FORWARD_COOKIE}=;`));
    expect(cleared).toContain('Domain=example.com;');
    expect(cleared).toContain('Path=/;');
    expect(cleared).toContain('Expires=Thu, 01 Jan 1970');
    const after = await request(t.app).get(FORWARD).set(forwardedFor('jellyfin.example.com')).set('Cookie', session.forwardCookie);
    expect(after.status).toBe(401);
  });

  it('stops the forward cookie when an administrator revokes its session', async () => {
    const session = await loginCookie(t.app, 'alice@example.com');
    expect((await request(t.app).get(FORWARD).set(forwardedFor('jellyfin.example.com')).set('Cookie', session.forwardCookie)).status).toBe(200);
    const { sid } = JSON.parse(Buffer.from(session.forwardToken.split('.')[1]!, 'base64url').toString()) as { sid: string };
    await t.ctx.db.prisma.session.update({ where: { id: sid }, data: { revokedAt: t.clock.now() } });
    t.services.auth.forgetCachedSessions();
    t.clock.advance(10_000); // past any per-process cache
    expect((await request(t.app).get(FORWARD).set(forwardedFor('jellyfin.example.com')).set('Cookie', session.forwardCookie)).status).toBe(401);
  });

  it('sets gatehouse_forward with Domain=cookie_domain, HttpOnly, Secure, SameSite=Lax, Path=/', async () => {
    const res = await request(t.app)
      .post('/api/v1/auth/cookie/login')
      .send({ username: 'alice@example.com', password: 'correct horse battery staple' });
    expect(res.status).toBe(204);
    const lines = res.headers['set-cookie'] as unknown as string[];
    const forward = lines.find((line) => line.startsWith(`${FORWARD_COOKIE}=`))!;
    expect(forward).toMatch(/; Domain=example\.com;/);
    expect(forward).toMatch(/; Path=\/;/);
    expect(forward).toMatch(/; HttpOnly/);
    expect(forward).toMatch(/; Secure/);
    expect(forward).toMatch(/; SameSite=Lax/);
    const session = lines.find((line) => line.startsWith(`${SESSION_COOKIE}=`))!;
    expect(session).not.toMatch(/Domain=/i);
    expect(readSetCookies(res)[FORWARD_COOKIE]).not.toBe(readSetCookies(res)[SESSION_COOKIE]);
  });

  describe('an account awaiting approval', () => {
    let pendingForward: string;
    let pendingBearer: string;
    beforeAll(async () => {
      await createUser(t.ctx, { email: 'newcomer@example.com', isVerified: false, emailVerifiedAt: t.clock.now() });
      pendingForward = (await loginCookie(t.app, 'newcomer@example.com')).forwardCookie;
      pendingBearer = await loginBearer(t.app, 'newcomer@example.com');
    });

    it('gets 403 ACCOUNT_PENDING_APPROVAL as an API client, with no Remote-* headers', async () => {
      for (const [header, value] of [
        ['Cookie', pendingForward],
        ['Authorization', `Bearer ${pendingBearer}`],
      ] as const) {
        const res = await request(t.app).get(FORWARD).set(forwardedFor('jellyfin.example.com')).set('Accept', 'application/json').set(header, value);
        expect(res.status).toBe(403);
        expect(res.body.detail).toBe('ACCOUNT_PENDING_APPROVAL');
        expect(res.headers['remote-email']).toBeUndefined();
      }
    });

    it("is sent to the web UI's pending page in a browser", async () => {
      const res = await request(t.app)
        .get(FORWARD)
        .set(forwardedFor('jellyfin.example.com'))
        .set('Accept', BROWSER_ACCEPT)
        .set('Cookie', pendingForward);
      expect(res.status).toBe(302);
      expect(res.headers.location).toBe('https://auth.example.com/');
      expect(res.headers['remote-email']).toBeUndefined();
    });

    it('passes once an administrator approves the account', async () => {
      await t.ctx.db.prisma.user.updateMany({ where: { email: 'newcomer@example.com' }, data: { isVerified: true } });
      t.services.auth.forgetCachedSessions();
      t.clock.advance(10_000);
      const res = await request(t.app).get(FORWARD).set(forwardedFor('jellyfin.example.com')).set('Cookie', pendingForward);
      expect(res.status).toBe(200);
      expect(res.headers['remote-email']).toBe('newcomer@example.com');
    });
  });

  describe('an account whose address is unproven', () => {
    // Self-registered without SMTP, or from a provider that never sends email_verified: the
    // address may be somebody else's, so no protected app is told it.
    let squatter: { id: string };
    let squatterForward: string;

    beforeAll(async () => {
      squatter = await createUser(t.ctx, { email: 'boss@example.com' });
      squatterForward = (await loginCookie(t.app, 'boss@example.com')).forwardCookie;
    });

    it('passes, named by its Gatehouse id, with Remote-Email empty and Remote-Email-Verified false', async () => {
      const res = await request(t.app).get(FORWARD).set(forwardedFor('jellyfin.example.com')).set('Cookie', squatterForward);
      expect(res.status).toBe(200);
      expect(res.headers['remote-user']).toBe(`gatehouse:${squatter.id}`);
      expect(res.headers['remote-name']).toBe(`gatehouse:${squatter.id}`);
      // Sent, and empty: a proxy that copies only headers present would pass on the client's own.
      expect(res.headers['remote-email']).toBe('');
      expect(res.headers['remote-email-verified']).toBe('false');
      expect(JSON.stringify(res.headers)).not.toContain('boss@example.com');
    });

    it('is named by its username when it has one', async () => {
      await t.ctx.db.prisma.user.update({ where: { id: squatter.id }, data: { username: 'bossy' } });
      t.clock.advance(10_000); // past the session cache
      const res = await request(t.app).get(FORWARD).set(forwardedFor('jellyfin.example.com')).set('Cookie', squatterForward);
      expect(res.headers['remote-user']).toBe('bossy');
      expect(res.headers['remote-email']).toBe('');
      await t.ctx.db.prisma.user.update({ where: { id: squatter.id }, data: { username: null } });
    });

    it('hands the address on once it is proven', async () => {
      await t.ctx.db.prisma.user.update({ where: { id: squatter.id }, data: { emailVerifiedAt: t.clock.now() } });
      t.clock.advance(10_000); // past the session cache
      const res = await request(t.app).get(FORWARD).set(forwardedFor('jellyfin.example.com')).set('Cookie', squatterForward);
      expect(res.headers['remote-user']).toBe('boss@example.com');
      expect(res.headers['remote-email']).toBe('boss@example.com');
      expect(res.headers['remote-email-verified']).toBe('true');
    });
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

  it("enforces a host rule's groups", async () => {
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

    const groupDenied = await request(t.app)
      .get(`${FORWARD}?group=books,comics`)
      .set(forwardedFor('wiki.example.org'))
      .set('Cookie', mediaMemberCookie);
    expect(groupDenied.status).toBe(403);
    expect(groupDenied.body.message).toBe('Only members of books or comics may open this app.');
    expect(
      (await request(t.app).get(`${FORWARD}?group=books,family`).set(forwardedFor('wiki.example.org')).set('Cookie', mediaMemberCookie)).status,
    ).toBe(200);

    const malformed = await request(t.app).get(`${FORWARD}?admin=yes`).set(forwardedFor('wiki.example.org')).set('Cookie', adminCookie);
    expect(malformed.status).toBe(422);
    expect(malformed.body.detail).toBe('VALIDATION_ERROR');
  });

  it('logs its routine answers (let through, sent to sign in) at debug and its refusals at info', async () => {
    const accessLevel = async (res: request.Response): Promise<unknown> => {
      await t.ctx.tasks.idle();
      const id = res.headers['x-request-id'];
      const line = t.logLines().find((entry) => entry['reqId'] === id && entry['msg'] === 'Request completed');
      expect(line).toMatchObject({ path: FORWARD, status: res.status });
      return line!['level'];
    };
    const passed = await request(t.app).get(FORWARD).set(forwardedFor('jellyfin.example.com')).set('Cookie', aliceCookie);
    expect(passed.status).toBe(200);
    expect(await accessLevel(passed)).toBe(20);
    const anonymous = await request(t.app).get(FORWARD).set(forwardedFor('jellyfin.example.com')).set('Accept', 'text/html');
    expect(anonymous.status).toBe(302);
    expect(await accessLevel(anonymous)).toBe(20);
    const program = await request(t.app).get(FORWARD).set(forwardedFor('jellyfin.example.com')).set('Accept', 'application/json');
    expect(program.status).toBe(401);
    expect(await accessLevel(program)).toBe(20);
    const denied = await request(t.app).get(FORWARD).set(forwardedFor('admin.example.com')).set('Cookie', aliceCookie);
    expect(denied.status).toBe(403);
    expect(await accessLevel(denied)).toBe(30);
    const stranger = await request(t.app).get(FORWARD).set(forwardedFor('evil.example.net')).set('Cookie', aliceCookie);
    expect(stranger.status).toBe(403);
    expect(await accessLevel(stranger)).toBe(30);
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
    const { forwardCookie } = await loginCookie(t.app, 'alice@example.com');
    const res = await request(t.app).get(FORWARD).set(forwardedFor('jellyfin.example.com')).set('Cookie', forwardCookie);
    expect(res.status).toBe(403);
    expect(res.body.detail).toBe('FORWARD_AUTH_HOST_NOT_ALLOWED');
    expect(res.body.message).toContain('server.trusted_proxies');
    expect(res.headers['remote-user']).toBeUndefined();
  });

  it('is refused as a stranger before its query string is looked at', async () => {
    const res = await request(t.app).get(`${FORWARD}?admin=yes&group=a&group=b`).set(forwardedFor('jellyfin.example.com'));
    expect(res.status).toBe(403);
    expect(res.body.detail).toBe('FORWARD_AUTH_HOST_NOT_ALLOWED');
  });
});
