/**
 * A deliberately misbehaving OpenID Provider for the negative tests (the OpenID Foundation's RP
 * certification cases): a plain HTTP server on 127.0.0.1 whose discovery document, JWKS, ID tokens
 * and userinfo the test shapes. By default it behaves: a correct flow signs in.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';

export interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export interface TokenContext {
  issuer: string;
  clientId: string;
  nonce: string;
  /** Seconds since the epoch. */
  now: number;
  /** The claims a correct ID token would carry. */
  claims: Record<string, unknown>;
  keys: { primary: SigningKey; secondary: SigningKey; stranger: SigningKey };
}

export interface FakeIdpBehaviour {
  /** The discovery document's issuer; default the real one. */
  discoveryIssuer?: string;
  /** HTTP status of the discovery document; default 200. */
  discoveryStatus?: number;
  /** Public keys served at jwks_uri; default the primary key only. */
  jwks?: (keys: TokenContext['keys']) => JWK[];
  /** Signing algorithms the discovery document lists; default ["RS256"]. */
  signingAlgs?: string[];
  /** The id_token the token endpoint returns; default a correct one. */
  idToken?: (context: TokenContext) => Promise<string>;
  /** The userinfo response; default the ID token's claims. */
  userinfo?: (context: TokenContext) => Record<string, unknown>;
}

export interface FakeIdp {
  readonly issuer: string;
  readonly subject: string;
  behave(behaviour: FakeIdpBehaviour): void;
  requestCount(path: string): number;
  close(): Promise<void>;
}

async function createKey(kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  return { kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

/** Signs `claims` with `key`; `kid: false` leaves the kid header out. */
export function signIdToken(claims: Record<string, unknown>, key: SigningKey, options: { kid?: string | false } = {}): Promise<string> {
  const header: { alg: string; kid?: string } = { alg: 'RS256' };
  if (options.kid !== false) header.kid = options.kid ?? key.kid;
  return new SignJWT(claims).setProtectedHeader(header).sign(key.privateKey);
}

/** An unsigned JWT (`alg: none`). */
export function unsignedIdToken(claims: Record<string, unknown>): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${encode({ alg: 'none', typ: 'JWT' })}.${encode(claims)}.`;
}

export async function startFakeIdp(clientId: string): Promise<FakeIdp> {
  const keys = { primary: await createKey('primary'), secondary: await createKey('secondary'), stranger: await createKey('stranger') };
  const subject = 'fake-subject-1';
  const codes = new Map<string, { nonce: string; codeChallenge: string }>();
  const tokens = new Map<string, TokenContext>();
  const counts = new Map<string, number>();
  let behaviour: FakeIdpBehaviour = {};

  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const json = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  };
  const readBody = (req: http.IncomingMessage) =>
    new Promise<string>((resolve) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => resolve(body));
    });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', issuer);
    counts.set(url.pathname, (counts.get(url.pathname) ?? 0) + 1);
    // Discovery under any path prefix, so an issuer with a path (Authentik's) can be imitated.
    const route = url.pathname.endsWith('/.well-known/openid-configuration') ? '/.well-known/openid-configuration' : url.pathname;
    switch (route) {
      case '/.well-known/openid-configuration':
        json(res, behaviour.discoveryStatus ?? 200, {
          issuer: behaviour.discoveryIssuer ?? issuer,
          authorization_endpoint: `${issuer}/authorize`,
          token_endpoint: `${issuer}/token`,
          userinfo_endpoint: `${issuer}/userinfo`,
          jwks_uri: `${issuer}/jwks`,
          response_types_supported: ['code'],
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: behaviour.signingAlgs ?? ['RS256'],
          code_challenge_methods_supported: ['S256'],
          token_endpoint_auth_methods_supported: ['client_secret_basic'],
        });
        return;
      case '/jwks':
        json(res, 200, { keys: behaviour.jwks ? behaviour.jwks(keys) : [keys.primary.publicJwk] });
        return;
      case '/authorize': {
        const code = crypto.randomBytes(16).toString('base64url');
        codes.set(code, { nonce: url.searchParams.get('nonce') ?? '', codeChallenge: url.searchParams.get('code_challenge') ?? '' });
        const back = new URL(url.searchParams.get('redirect_uri') ?? '');
        back.searchParams.set('code', code);
        back.searchParams.set('state', url.searchParams.get('state') ?? '');
        res.writeHead(302, { location: back.href });
        res.end();
        return;
      }
      case '/token': {
        const form = new URLSearchParams(await readBody(req));
        const grant = codes.get(form.get('code') ?? '');
        codes.delete(form.get('code') ?? '');
        const verifier = form.get('code_verifier') ?? '';
        const challenge = crypto.createHash('sha256').update(verifier).digest('base64url');
        if (!grant || challenge !== grant.codeChallenge) {
          json(res, 400, { error: 'invalid_grant' });
          return;
        }
        const now = Math.floor(Date.now() / 1000);
        const claims = {
          iss: issuer,
          aud: clientId,
          sub: subject,
          iat: now,
          exp: now + 300,
          nonce: grant.nonce,
          email: 'fake.user@example.com',
          email_verified: true,
          preferred_username: 'fake.user',
        };
        const context: TokenContext = { issuer, clientId, nonce: grant.nonce, now, claims, keys };
        const idToken = behaviour.idToken ? await behaviour.idToken(context) : await signIdToken(claims, keys.primary);
        const accessToken = crypto.randomBytes(16).toString('base64url');
        tokens.set(accessToken, context);
        json(res, 200, { access_token: accessToken, token_type: 'Bearer', expires_in: 300, id_token: idToken });
        return;
      }
      case '/userinfo': {
        const context = tokens.get((req.headers.authorization ?? '').replace(/^Bearer /, ''));
        if (!context) {
          json(res, 401, { error: 'invalid_token' });
          return;
        }
        const { iss: _iss, aud: _aud, iat: _iat, exp: _exp, nonce: _nonce, ...profile } = context.claims;
        json(res, 200, behaviour.userinfo ? behaviour.userinfo(context) : profile);
        return;
      }
      default:
        json(res, 404, { error: 'not_found' });
    }
  }

  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    handle(req, res).catch((error: unknown) => json(res, 500, { error: 'server_error', detail: String(error) }));
  });

  return {
    issuer,
    subject,
    behave: (next) => {
      behaviour = next;
    },
    requestCount: (path) => counts.get(path) ?? 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
