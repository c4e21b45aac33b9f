import { expect } from '@jest/globals';
import { API_PREFIX, OIDC_ERROR_PARAM, SESSION_COOKIE, type OidcErrorCode } from '@gatehouse/shared';
import type { OidcProviderConfig } from '../config/types.js';
import type { TestContext } from './test-context.js';
import { TestBrowser, type FlowResult } from './oidc-browser.js';

export const GATEHOUSE_ORIGIN = 'http://gatehouse.test';

/** A provider with every key at its default, enabled, plus `overrides`. */
export function buildOidcProviderConfig(
  overrides: Partial<OidcProviderConfig> & Pick<OidcProviderConfig, 'name' | 'configuration_endpoint'>,
): OidcProviderConfig {
  return {
    enabled: true,
    client_id: 'gatehouse',
    client_secret: 'test-client-secret',
    scopes: 'openid email profile',
    button_text: 'Sign in with {name}',
    icon_url: '',
    auto_register: true,
    allow_unverified_email: false,
    auto_launch: false,
    username_claim: 'preferred_username',
    groups_claim: 'groups',
    admin_groups: [],
    allowed_groups: [],
    token_endpoint_auth_method: 'client_secret_basic',
    timeout: 5,
    end_session: true,
    require_second_factor: false,
    callback: 'provider',
    ...overrides,
  };
}

export const callbackUri = (name: string) => `${GATEHOUSE_ORIGIN}${API_PREFIX}/auth/cookie/${encodeURIComponent(name)}/callback`;
export const authorizeUrl = (name: string, returnTo?: string) =>
  `${GATEHOUSE_ORIGIN}${API_PREFIX}/auth/cookie/${encodeURIComponent(name)}/authorize?redirect=true` +
  (returnTo === undefined ? '' : `&returnTo=${encodeURIComponent(returnTo)}`);

export function newBrowser(t: TestContext): TestBrowser {
  return new TestBrowser(t.app, GATEHOUSE_ORIGIN);
}

/** Runs the whole flow from the login button; returns where Gatehouse finally sent the browser. */
export async function signInThrough(browser: TestBrowser, provider: string, returnTo?: string): Promise<{ landedOn: URL; flow: FlowResult }> {
  const flow = await browser.follow(authorizeUrl(provider, returnTo));
  expect(flow.final.status).toBe(302);
  return { landedOn: new URL(flow.final.location!, GATEHOUSE_ORIGIN), flow };
}

/** Asserts a flow ended on /login?oidc_error=CODE with no session cookie. */
export function expectRefused(landedOn: URL, browser: TestBrowser, code: OidcErrorCode): void {
  expect(`${landedOn.origin}${landedOn.pathname}`).toBe(`${GATEHOUSE_ORIGIN}/login`);
  expect(landedOn.searchParams.get(OIDC_ERROR_PARAM)).toBe(code);
  expect(browser.sessionCookie()).toBeUndefined();
}

/** Rows a refused sign-in must not have created. */
export async function countAccountRows(t: TestContext): Promise<{ users: number; links: number; sessions: number }> {
  const { prisma } = t.ctx.db;
  return { users: await prisma.user.count(), links: await prisma.linkedAccount.count(), sessions: await prisma.session.count() };
}

/** Marks an account's address as proven (as an emailed link, a provider or an admin would). */
export async function proveEmailOf(t: TestContext, userId: string): Promise<void> {
  await t.ctx.db.prisma.user.update({ where: { id: userId }, data: { emailVerifiedAt: t.ctx.clock.now() } });
}

export function hasSessionCookie(setCookies: readonly string[]): boolean {
  return setCookies.some((line) => line.startsWith(`${SESSION_COOKIE}=`) && !line.startsWith(`${SESSION_COOKIE}=;`));
}

/**
 * A loopback port nothing listens on, for an identity provider that cannot be reached. 1023 is
 * privileged and reserved, the suite only listens on ports the kernel hands out, and it is not on
 * fetch's list of blocked ports (port 1 is: undici refuses it before connecting). A port found free
 * and then released could be handed to a test file running in parallel (seen once: discovery got
 * another server's 404 instead of ECONNREFUSED).
 */
export const CLOSED_LOOPBACK_PORT = 1023;
