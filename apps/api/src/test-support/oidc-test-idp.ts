/**
 * A real OpenID Provider (npm oidc-provider) on 127.0.0.1, for integration tests. Login and consent
 * are answered programmatically: the test says which account signs in next (and with which
 * claims), or that the user refuses. Keys can be rotated mid-test; requests are counted by path.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import type { Configuration, JWK } from 'oidc-provider';

export interface TestIdpClient {
  client_id: string;
  client_secret?: string;
  redirect_uris: string[];
  post_logout_redirect_uris?: string[];
  token_endpoint_auth_method?: 'client_secret_basic' | 'client_secret_post' | 'none';
}

export type AccountClaims = Record<string, unknown>;

export interface TestIdp {
  readonly issuer: string;
  /**
   * Who signs in at the next login prompt (the account's claims are set with setAccount).
   * `authTime` (epoch seconds): the login time the provider reports (auth_time), as a provider that
   * ignores prompt=login/max_age and answers from an old session would.
   */
  loginAs(accountId: string, options?: { authTime?: number }): void;
  /** The next login prompt is refused by the user (error=access_denied). */
  refuseNextLogin(): void;
  setAccount(accountId: string, claims: AccountClaims): void;
  /** Replaces the signing key: the next tokens carry a new kid; the old key is gone from the JWKS. */
  rotateKeys(): Promise<void>;
  /** How many requests reached each path (e.g. "/jwks"). */
  requestCount(path: string): number;
  close(): Promise<void>;
}

async function createSigningKey(): Promise<JWK> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = await exportJWK(privateKey);
  return { ...jwk, kid: `key-${Math.random().toString(36).slice(2, 10)}`, alg: 'RS256', use: 'sig' };
}

/**
 * oidc-provider prints development notices (the in-memory adapter, …) on construction; they are
 * expected here and would only clutter the test output.
 */
async function quietly<T>(build: () => T | Promise<T>): Promise<T> {
  const { info, warn } = console;
  const drop =
    (original: (...args: unknown[]) => void) =>
    (...args: unknown[]) => {
      if (typeof args[0] === 'string' && args[0].startsWith('oidc-provider ')) return;
      original(...args);
    };
  console.info = drop(info);
  console.warn = drop(warn);
  try {
    return await build();
  } finally {
    console.info = info;
    console.warn = warn;
  }
}

export async function startTestIdp(clients: TestIdpClient[]): Promise<TestIdp> {
  const accounts = new Map<string, AccountClaims>();
  const counts = new Map<string, number>();
  let nextChoice: { accountId: string; authTime?: number } | { refuse: true } | null = null;

  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  // Imported here, quietly: it warns about Node.js 20 at import time (it runs fine on it).
  const { default: Provider } = await quietly(() => import('oidc-provider'));
  const buildProvider = async (key: JWK) => {
    const configuration: Configuration = {
      clients: clients.map((client) => ({
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
        ...client,
      })),
      jwks: { keys: [key] },
      cookies: { keys: ['gatehouse-test-idp-cookie-key'] },
      claims: {
        openid: ['sub'],
        email: ['email', 'email_verified'],
        profile: ['name', 'preferred_username', 'nickname'],
        groups: ['groups'],
      },
      scopes: ['openid', 'email', 'profile', 'groups'],
      features: {
        devInteractions: { enabled: false },
        rpInitiatedLogout: {
          enabled: true,
          logoutSource: (ctx, form) => {
            ctx.body = `<!DOCTYPE html><title>Sign out?</title>${form}<button form="op.logoutForm" name="logout" value="yes">Sign out</button>`;
          },
        },
      },
      interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
      pkce: { required: () => true },
      ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 600, Grant: 600, Session: 3600 },
      findAccount: (_ctx, accountId) => ({
        accountId,
        claims: () => ({ ...(accounts.get(accountId) ?? {}), sub: accountId }),
      }),
    };
    const provider = await quietly(() => new Provider(issuer, configuration));
    // oidc-provider logs server errors itself; keep test output clean.
    provider.on('server_error', () => undefined);
    return provider;
  };
  let provider = await buildProvider(await createSigningKey());

  async function handleInteraction(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const current = provider;
    const details = await current.interactionDetails(req, res);
    const choice = nextChoice;
    nextChoice = null;
    if (!choice) {
      res.statusCode = 500;
      res.end('test IdP: nobody was chosen to sign in (call loginAs first)');
      return;
    }
    if ('refuse' in choice) {
      await current.interactionFinished(
        req,
        res,
        { error: 'access_denied', error_description: 'End-User aborted interaction' },
        { mergeWithLastSubmission: false },
      );
      return;
    }
    const grant = new current.Grant({ accountId: choice.accountId, clientId: String(details.params['client_id']) });
    grant.addOIDCScope(String(details.params['scope']));
    const grantId = await grant.save();
    await current.interactionFinished(
      req,
      res,
      {
        login: { accountId: choice.accountId, ...(choice.authTime === undefined ? {} : { ts: choice.authTime }) },
        consent: { grantId },
      },
      { mergeWithLastSubmission: false },
    );
  }

  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    const path = new URL(req.url ?? '/', issuer).pathname;
    counts.set(path, (counts.get(path) ?? 0) + 1);
    if (path.startsWith('/interaction/')) {
      handleInteraction(req, res).catch((error: unknown) => {
        res.statusCode = 500;
        res.end(`test IdP interaction failed: ${String(error)}`);
      });
      return;
    }
    void provider.callback()(req, res);
  });

  return {
    issuer,
    loginAs: (accountId, options = {}) => {
      nextChoice = { accountId, ...(options.authTime === undefined ? {} : { authTime: options.authTime }) };
    },
    refuseNextLogin: () => {
      nextChoice = { refuse: true };
    },
    setAccount: (accountId, claims) => {
      accounts.set(accountId, claims);
    },
    rotateKeys: async () => {
      provider = await buildProvider(await createSigningKey());
    },
    requestCount: (path) => counts.get(path) ?? 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
