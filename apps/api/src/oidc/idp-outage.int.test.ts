/**
 * Faults at the identity provider: down (connection refused), slow (accepts, never answers) and
 * stopped in the middle of a sign-in. Its button's flow ends on the login page's message within
 * the provider's timeout; password sign-in and the other providers keep working throughout.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import request from 'supertest';
import { API_PREFIX, OIDC_ERROR_MESSAGES, OIDC_TRANSACTION_COOKIE } from '@gatehouse/shared';
import { createTestContext, type TestContext } from '../test-support/test-context.js';
import { createUser, loginBearer, readSetCookies } from '../test-support/fixtures.js';
import { startTestIdp, type TestIdp } from '../test-support/oidc-test-idp.js';
import {
  CLOSED_LOOPBACK_PORT,
  buildOidcProviderConfig,
  callbackUri,
  expectRefused,
  newBrowser,
  signInThrough,
} from '../test-support/oidc-fixtures.js';

// Each file builds real, migrated databases; on a loaded 2-core machine that alone can take a while.
jest.setTimeout(180_000);

const SECRET = 'test-client-secret';
const SLOW_TIMEOUT_S = 2;

/** A port nothing listens on (bound, then released). */
/** Accepts connections and requests, and never answers. */
async function startBlackHole(): Promise<{ url: string; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = http.createServer(() => undefined);
  server.on('connection', (socket) => sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('identity provider unreachable, slow, or stopped mid-flow', () => {
  let t: TestContext;
  let live: TestIdp;
  let doomed: TestIdp;
  let blackHole: Awaited<ReturnType<typeof startBlackHole>>;

  beforeAll(async () => {
    const client = (name: string) => ({ client_id: `client-${name}`, client_secret: SECRET, redirect_uris: [callbackUri(name)] });
    live = await startTestIdp([client('Live')]);
    doomed = await startTestIdp([client('Doomed')]);
    blackHole = await startBlackHole();
    const provider = (name: string, endpoint: string, timeout = 10) =>
      buildOidcProviderConfig({ name, client_id: `client-${name}`, client_secret: SECRET, configuration_endpoint: endpoint, timeout });
    t = await createTestContext({
      config: {
        auth: {
          openid_connect: [
            provider('Live', `${live.issuer}/.well-known/openid-configuration`),
            provider('Down', `http://127.0.0.1:${CLOSED_LOOPBACK_PORT}/.well-known/openid-configuration`),
            provider('Slow', `${blackHole.url}/.well-known/openid-configuration`, SLOW_TIMEOUT_S),
            provider('Doomed', `${doomed.issuer}/.well-known/openid-configuration`),
          ],
        },
      },
    });
    await createUser(t.ctx, { email: 'user@example.com' });
  });
  afterAll(async () => {
    await t.close();
    await live.close();
    await doomed.close().catch(() => undefined);
    await blackHole.close();
  });

  async function expectOthersStillWork(): Promise<void> {
    expect(await loginBearer(t.app, 'user@example.com')).toMatch(/^ey/);
    live.setAccount('alice', { email: 'alice@example.com', email_verified: true, preferred_username: 'alice' });
    live.loginAs('alice');
    const browser = newBrowser(t);
    const { landedOn } = await signInThrough(browser, 'Live');
    expect(landedOn.pathname).toBe('/');
    expect(browser.sessionCookie()).toBeDefined();
  }

  it('a provider that refuses connections: its button lands on the login page with the "unreachable" message', async () => {
    const browser = newBrowser(t);
    const { landedOn } = await signInThrough(browser, 'Down');
    expectRefused(landedOn, browser, 'OIDC_PROVIDER_UNREACHABLE');
    expect(OIDC_ERROR_MESSAGES.OIDC_PROVIDER_UNREACHABLE).toMatch(/could not be reached/);
    await expectOthersStillWork();
  });

  it('a provider that never answers: the flow gives up after its timeout, not later', async () => {
    const browser = newBrowser(t);
    const startedAt = Date.now();
    const { landedOn } = await signInThrough(browser, 'Slow');
    const elapsedMs = Date.now() - startedAt;
    expectRefused(landedOn, browser, 'OIDC_PROVIDER_UNREACHABLE');
    // It did wait for the provider (not an instant refusal) and stopped at its timeout (plus slack
    // for a loaded machine), instead of hanging on the open connection.
    expect(elapsedMs).toBeGreaterThanOrEqual(SLOW_TIMEOUT_S * 1000 - 100);
    expect(elapsedMs).toBeLessThan(SLOW_TIMEOUT_S * 1000 + 8000);
    expect(t.logText()).toContain(`no answer within ${SLOW_TIMEOUT_S} s`);
    await expectOthersStillWork();
  });

  it('a real provider stopped mid-flow (after authorize, before the code exchange)', async () => {
    // The authorize step reaches the provider (discovery) and hands out a transaction.
    const started = await request(t.app).get(`${API_PREFIX}/auth/cookie/Doomed/authorize`);
    expect(started.status).toBe(200);
    const state = new URL((started.body as { authorization_url: string }).authorization_url).searchParams.get('state')!;
    const transaction = readSetCookies(started)[OIDC_TRANSACTION_COOKIE]!;
    const { issuer } = doomed;
    await doomed.close();
    // The browser comes back with a code the provider can no longer redeem.
    const callback = await request(t.app)
      .get(`${API_PREFIX}/auth/cookie/Doomed/callback?code=some-code&state=${encodeURIComponent(state)}&iss=${encodeURIComponent(issuer)}`)
      .set('Cookie', `${OIDC_TRANSACTION_COOKIE}=${encodeURIComponent(transaction)}`);
    expect(callback.status).toBe(302);
    const landedOn = new URL(String(callback.headers.location));
    expect(landedOn.pathname).toBe('/login');
    expect(landedOn.searchParams.get('oidc_error')).toBe('OIDC_PROVIDER_UNREACHABLE');
    expect(t.logText()).toMatch(/token endpoint could not be reached/);
    expect(await t.ctx.db.prisma.session.count({ where: { authMethod: 'oidc:Doomed' } })).toBe(0);
    await expectOthersStillWork();
  });

  it('an outage is not counted against the browser by the callback brake', async () => {
    // Each callback reserved an attempt before it was judged; an outage gives it back unjudged.
    const counters = await t.ctx.db.prisma.rateLimit.findMany({ where: { key: { startsWith: 'oidc-callback-client:' } } });
    expect(counters.map(({ count, lastFailureAt, lockedUntil }) => ({ count, lastFailureAt, lockedUntil }))).toEqual(
      counters.map(() => ({ count: 0, lastFailureAt: null, lockedUntil: null })),
    );
  });
});
