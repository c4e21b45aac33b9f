import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import request from 'supertest';
import { apiPath } from '@gatehouse/shared';
import { createTestContext, type TestContext } from '../test-support/test-context.js';
import { createUser, STRONG_PASSWORD } from '../test-support/fixtures.js';

// Each file builds real, migrated databases; on a loaded 2-core machine that alone can take a while.
jest.setTimeout(180_000);

const WEB_INDEX = fileURLToPath(new URL('../../../web/dist/index.html', import.meta.url));

function parseCsp(header: unknown): Map<string, string[]> {
  expect(typeof header).toBe('string');
  return new Map(
    String(header)
      .split(';')
      .map((part) => part.trim().split(/\s+/))
      .filter((words) => words[0])
      .map(([name, ...values]) => [name!, values]),
  );
}

/** Each CSP directive given has exactly that one value; each header has that value (undefined: absent); never X-Powered-By. */
function expectSecurityHeaders(res: request.Response, directives: Record<string, string>, headers: Record<string, string | undefined>): void {
  const csp = parseCsp(res.headers['content-security-policy']);
  for (const [directive, value] of Object.entries(directives)) expect(csp.get(directive)).toEqual([value]);
  for (const [name, value] of Object.entries(headers)) expect(res.headers[name]).toBe(value);
  expect(res.headers['x-powered-by']).toBeUndefined();
}

describe('security headers on every response', () => {
  let t: TestContext;
  beforeAll(async () => {
    t = await createTestContext();
  });
  afterAll(() => t.close());

  it('API answers, errors and 404s carry the API set: nothing may load from or frame them, nosniff, no Referer, no-store', async () => {
    const answers = await Promise.all([
      request(t.app).get(apiPath('health')),
      request(t.app).get(apiPath('getMe')),
      request(t.app).get(apiPath('authMetadata')),
      request(t.app).post(apiPath('jwtLogin')).send('{"broken'),
      request(t.app).get('/api/v1/nothing-here'),
      request(t.app).delete(apiPath('authMetadata')),
      request(t.app).get('/openapi.json'),
    ]);
    expect(answers.map((res) => res.status)).toEqual([200, 401, 200, 422, 404, 405, 200]);
    for (const res of answers) {
      expectSecurityHeaders(
        res,
        { 'default-src': "'none'", 'frame-ancestors': "'none'", 'base-uri': "'none'", 'form-action': "'none'" },
        {
          'x-content-type-options': 'nosniff',
          'x-frame-options': 'DENY',
          'referrer-policy': 'no-referrer',
          'cross-origin-resource-policy': 'same-origin',
          'cache-control': 'no-store',
          // frontend_url is http here: no HSTS.
          'strict-transport-security': undefined,
        },
      );
    }
  });

  it('pages and everything outside the API carry the web set: scripts and styles from this origin only, no framing', async () => {
    const answers = await Promise.all([request(t.app).get('/not-the-api'), request(t.app).get('/login'), request(t.app).get('/')]);
    for (const res of answers) {
      expectSecurityHeaders(
        res,
        {
          'default-src': "'self'",
          // No inline script, no eval: only files from this origin.
          'script-src': "'self'",
          'script-src-attr': "'none'",
          'object-src': "'none'",
          'frame-ancestors': "'none'",
          'base-uri': "'self'",
          'form-action': "'self'",
        },
        {
          'x-content-type-options': 'nosniff',
          'x-frame-options': 'SAMEORIGIN',
          'referrer-policy': 'no-referrer',
          'strict-transport-security': undefined,
        },
      );
    }
  });

  it('HSTS when frontend_url is https', async () => {
    const secure = await createTestContext({ config: { misc: { frontend_url: 'https://media.example.com' } } });
    try {
      for (const res of [await request(secure.app).get(apiPath('health')), await request(secure.app).get('/login')]) {
        expect(res.headers['strict-transport-security']).toBe('max-age=31536000');
      }
    } finally {
      await secure.close();
    }
  });

  it('the built web UI has no inline script (so the CSP above does not break it)', () => {
    expect(fs.existsSync(WEB_INDEX)).toBe(true); // built by `npm test` before the jest run
    const html = fs.readFileSync(WEB_INDEX, 'utf8');
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, body] of scripts) {
      // Same-origin files only: "./assets/…" resolves against the <base href> the server writes.
      expect(attributes).toMatch(/\ssrc="\.?\/[^"/][^"]*"/);
      expect(body!.trim()).toBe('');
    }
    // No inline event handlers or javascript: URLs either.
    expect(html).not.toMatch(/\son[a-z]+\s*=/i);
    expect(html).not.toMatch(/javascript:/i);
  });
});

describe('CORS only for misc.cors_urls, with credentials only there', () => {
  let t: TestContext;
  const ALLOWED = 'https://app.example.com';
  beforeAll(async () => {
    t = await createTestContext({ config: { misc: { cors_urls: [ALLOWED] } } });
    await createUser(t.ctx, { email: 'user@example.com' });
  });
  afterAll(() => t.close());

  it('an allowed origin gets Allow-Origin naming it and Allow-Credentials, on answers and preflights', async () => {
    const res = await request(t.app).get(apiPath('health')).set('Origin', ALLOWED);
    expect(res.headers['access-control-allow-origin']).toBe(ALLOWED);
    expect(res.headers['access-control-allow-credentials']).toBe('true');
    expect(res.headers['access-control-expose-headers']).toMatch(/X-Request-Id/);
    expect(String(res.headers.vary)).toMatch(/Origin/);
    const preflight = await request(t.app)
      .options(apiPath('jwtLogin'))
      .set('Origin', ALLOWED)
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'content-type');
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe(ALLOWED);
    expect(preflight.headers['access-control-allow-methods']).toContain('POST');
    expect(preflight.headers['access-control-allow-credentials']).toBe('true');
  });

  it('the allowed origin may sign in cross-site (the CSRF origin check accepts it)', async () => {
    const res = await request(t.app)
      .post(apiPath('jwtLogin'))
      .set('Origin', ALLOWED)
      .set('Sec-Fetch-Site', 'cross-site')
      .send({ username: 'user@example.com', password: STRONG_PASSWORD });
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe(ALLOWED);
  });

  it('any other origin gets no CORS header at all, and its state-changing requests are refused', async () => {
    for (const origin of ['https://evil.example.com', 'https://app.example.com.evil.net', 'null', 'http://app.example.com']) {
      const res = await request(t.app).get(apiPath('health')).set('Origin', origin);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
      expect(res.headers['access-control-allow-credentials']).toBeUndefined();
      const post = await request(t.app)
        .post(apiPath('jwtLogin'))
        .set('Origin', origin)
        .send({ username: 'user@example.com', password: STRONG_PASSWORD });
      expect(post.status).toBe(403);
      expect(post.body).toMatchObject({ detail: 'CSRF_FAILED' });
    }
  });

  it('with no cors_urls (the default) nobody gets CORS headers', async () => {
    const plain = await createTestContext();
    try {
      const res = await request(plain.app).get(apiPath('health')).set('Origin', ALLOWED);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
      expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    } finally {
      await plain.close();
    }
  });
});
