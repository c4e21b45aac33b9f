// A real OpenID Provider (npm oidc-provider) on 127.0.0.1 with a plain HTML login page, for
// browser tests: Chromium types a username there, as a person would at Authentik or Keycloak.
// The server listens first (so its issuer can go into Gatehouse's config); the provider itself is
// configured once Gatehouse's address, and so its redirect URI, is known.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Configuration } from 'oidc-provider';

export interface TestIdpClient {
  client_id: string;
  client_secret: string;
  redirect_uris: string[];
  post_logout_redirect_uris: string[];
}

export interface RunningTestIdp {
  readonly issuer: string;
  /** Configures the provider: its client and the accounts people can sign in as. */
  configure(client: TestIdpClient, accounts: Record<string, Record<string, unknown>>): Promise<void>;
  close(): Promise<void>;
}

type ProviderInstance = InstanceType<typeof import('oidc-provider').default>;

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** oidc-provider's development notices are expected here; keep the test output clean. */
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

function readForm(req: http.IncomingMessage): Promise<URLSearchParams> {
  return new Promise((resolve) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => resolve(new URLSearchParams(body)));
  });
}

export async function startTestIdp(): Promise<RunningTestIdp> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let provider: ProviderInstance | null = null;

  async function handleInteraction(req: http.IncomingMessage, res: http.ServerResponse, current: ProviderInstance): Promise<void> {
    const details = await current.interactionDetails(req, res);
    if (req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(
        '<!DOCTYPE html><html lang="en"><head><title>Test IdP</title></head><body><main>' +
          '<h1>Test IdP sign-in</h1>' +
          `<form method="post" action="/interaction/${escapeHtml(details.uid)}">` +
          '<label for="login">Username</label> <input id="login" name="login" autocomplete="username">' +
          '<button type="submit" name="action" value="login">Continue</button> ' +
          '<button type="submit" name="action" value="cancel">Cancel</button></form></main></body></html>',
      );
      return;
    }
    const form = await readForm(req);
    if (form.get('action') === 'cancel') {
      // The person declines at the provider: it answers the client with error=access_denied.
      await current.interactionFinished(
        req,
        res,
        { error: 'access_denied', error_description: 'The user cancelled.' },
        { mergeWithLastSubmission: false },
      );
      return;
    }
    const accountId = form.get('login') ?? '';
    const grant = new current.Grant({ accountId, clientId: String(details.params['client_id']) });
    grant.addOIDCScope(String(details.params['scope']));
    const grantId = await grant.save();
    await current.interactionFinished(req, res, { login: { accountId }, consent: { grantId } }, { mergeWithLastSubmission: false });
  }

  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    const current = provider;
    if (!current) {
      res.writeHead(503).end('test IdP not configured yet');
      return;
    }
    if (req.url?.startsWith('/interaction/')) {
      handleInteraction(req, res, current).catch((error: unknown) => res.writeHead(500).end(String(error)));
      return;
    }
    void current.callback()(req, res);
  });

  return {
    issuer,
    configure: async (client, accounts) => {
      const { default: Provider } = await quietly(() => import('oidc-provider'));
      const configuration: Configuration = {
        clients: [{ ...client, grant_types: ['authorization_code'], response_types: ['code'] }],
        cookies: { keys: ['gatehouse-e2e-idp-cookie-key'] },
        claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'preferred_username'] },
        features: {
          devInteractions: { enabled: false },
          rpInitiatedLogout: {
            enabled: true,
            logoutSource: (ctx, form) => {
              ctx.body =
                '<!DOCTYPE html><html lang="en"><head><title>Test IdP</title></head><body><main>' +
                `<h1>Sign out of the Test IdP?</h1>${form}` +
                '<button type="submit" form="op.logoutForm" name="logout" value="yes">Sign out</button></main></body></html>';
            },
          },
        },
        interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
        pkce: { required: () => true },
        ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 600, Grant: 600, Session: 3600 },
        findAccount: (_ctx, accountId) => ({ accountId, claims: () => ({ ...(accounts[accountId] ?? {}), sub: accountId }) }),
      };
      provider = await quietly(() => new Provider(issuer, configuration));
      provider.on('server_error', () => undefined);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
