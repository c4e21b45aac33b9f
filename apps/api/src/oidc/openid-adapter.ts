/**
 * The one door to openid-client (v6). Everything protocol-shaped happens here: discovery, the
 * authorization URL, the code exchange with its ID token checks, userinfo, the end-session URL,
 * and turning the library's errors into OIDC failures (AppErrors: a code the user sees + a hint for the admin).
 *
 * Choices that are not openid-client's defaults, and why:
 * - enableNonRepudiationChecks: for the code flow openid-client trusts the TLS channel and skips
 *   the ID token signature. We always verify it (and so also refuse `alg: none`).
 * - allowInsecureRequests only when configuration_endpoint itself is http:// (a lab or a test),
 *   and never silently: discovery logs a warning.
 * - A fresh Configuration per sign-in, sharing a JWKS cache that is used only when it knows the
 *   ID token's `kid`: a key the provider rotated in is fetched at once, not after the library's
 *   60-second refetch guard (the token arrives over the back channel from the provider itself, so
 *   an attacker cannot use an unknown kid to make us hammer the JWKS endpoint).
 */
import * as client from 'openid-client';
import type { OidcProviderConfig } from '../config/types.js';
import type { Logger } from '../logger.js';
import { isOidcFailure, oidcFailure, type OidcFailure } from '../http/app-error.js';

export interface AuthorizationRequest {
  redirectUri: string;
  scope: string;
  state: string;
  nonce: string;
  codeChallenge: string;
  /** Re-authentication: make the provider ask for the password again (prompt=login, max_age=0). */
  isFreshLoginRequired?: boolean;
}

export interface CodeExchangeChecks {
  state: string;
  nonce: string;
  pkceVerifier: string;
}

export type Claims = Readonly<Record<string, unknown>>;

export interface SignInResult {
  /** The raw ID token, kept server-side for id_token_hint at logout. */
  idToken: string;
  /** Validated ID token claims (signature, iss, aud, nonce, exp, iat, sub checked). */
  idTokenClaims: Claims;
  /** Userinfo claims (its `sub` checked against the ID token's), or null when there is no endpoint. */
  userinfo: Claims | null;
}

export interface OidcClient {
  readonly issuer: string;
  readonly hasEndSessionEndpoint: boolean;
  buildAuthorizationUrl(request: AuthorizationRequest): string;
  /** The code exchange: `callbackUrl` is the redirect URI plus the query the provider sent back. */
  exchangeCode(callbackUrl: URL, checks: CodeExchangeChecks): Promise<SignInResult>;
  buildEndSessionUrl(idTokenHint: string, postLogoutRedirectUri: string): string;
}

export function createPkcePair(): Promise<{ verifier: string; challenge: string }> {
  const verifier = client.randomPKCECodeVerifier();
  return client.calculatePKCECodeChallenge(verifier).then((challenge) => ({ verifier, challenge }));
}

export const createRandomState = (): string => client.randomState();
export const createRandomNonce = (): string => client.randomNonce();

const WELL_KNOWN_SUFFIX = /\/\.well-known\/openid-configuration\/?$/;

/**
 * configuration_endpoint may be the issuer or its discovery document; openid-client checks the
 * issuer only when given the issuer, so always hand it that.
 */
export function toIssuerUrl(configurationEndpoint: string): URL {
  const url = new URL(configurationEndpoint);
  if (WELL_KNOWN_SUFFIX.test(url.pathname)) url.pathname = url.pathname.replace(WELL_KNOWN_SUFFIX, '/');
  url.search = '';
  url.hash = '';
  return url;
}

const withoutTrailingSlash = (href: string) => href.replace(/\/+$/, '');

/** Discovers the provider. Throws OidcFailure (unreachable, issuer mismatch, unusable metadata). */
export async function discoverOidcClient(provider: OidcProviderConfig, logger: Logger): Promise<OidcClient> {
  const isInsecure = new URL(provider.configuration_endpoint).protocol === 'http:';
  if (isInsecure) {
    logger.warn(
      { provider: provider.name, configuration_endpoint: provider.configuration_endpoint },
      `OpenID Connect provider "${provider.name}": configuration_endpoint is http://, so Gatehouse talks to it ` +
        'without TLS (allowed for testing only). Use the https:// address in production.',
    );
  }
  const clientMetadata: Partial<client.ClientMetadata> = {
    client_secret: provider.client_secret === '' ? undefined : provider.client_secret,
    token_endpoint_auth_method: provider.token_endpoint_auth_method,
  };
  const clientAuth = buildClientAuth(provider);
  const execute = isInsecure ? [client.allowInsecureRequests] : [];
  const discover = (issuer: URL) => client.discovery(issuer, provider.client_id, clientMetadata, clientAuth, { execute, timeout: provider.timeout });

  const issuerUrl = toIssuerUrl(provider.configuration_endpoint);
  let discovered: client.Configuration;
  try {
    discovered = await discover(issuerUrl);
  } catch (error) {
    const claimedIssuer = readDiscoveredIssuer(error);
    if (claimedIssuer === undefined) throw classifyDiscoveryError(error, provider);
    // "A trailing slash is tolerated": the same document, named with or without one.
    if (withoutTrailingSlash(claimedIssuer) !== withoutTrailingSlash(issuerUrl.href)) {
      throw oidcFailure(
        'OIDC_ISSUER_MISMATCH',
        `The provider's discovery document says its issuer is ${claimedIssuer}, not ${issuerUrl.href}. ` +
          `Set configuration_endpoint to ${claimedIssuer} (for several applications on one provider, ` +
          "e.g. Authentik, use this application's own issuer URL).",
        { expected: issuerUrl.href, discovered: claimedIssuer },
      );
    }
    try {
      discovered = await discover(new URL(claimedIssuer));
    } catch (retryError) {
      throw classifyDiscoveryError(retryError, provider);
    }
  }

  const metadata = discovered.serverMetadata();
  if (metadata.issuer.includes('{tenantid}')) {
    // Microsoft's multi-tenant endpoints (common, organizations) let any tenant's users in.
    throw oidcFailure(
      'OIDC_ISSUER_MISMATCH',
      'The provider is a multi-tenant Microsoft endpoint (issuer with {tenantid}), which would let users of ' +
        'any Microsoft tenant sign in. Use your tenant: https://login.microsoftonline.com/<tenant id>/v2.0',
    );
  }
  for (const field of ['authorization_endpoint', 'token_endpoint', 'jwks_uri'] as const) {
    if (typeof metadata[field] !== 'string') {
      throw oidcFailure(
        'OIDC_PROVIDER_UNREACHABLE',
        `The provider's discovery document has no ${field}; it is not a usable OpenID Provider. ` + 'Check configuration_endpoint.',
      );
    }
  }
  return new OpenIdClient(provider, metadata, clientMetadata, clientAuth, isInsecure);
}

function buildClientAuth(provider: OidcProviderConfig): client.ClientAuth {
  switch (provider.token_endpoint_auth_method) {
    case 'client_secret_post':
      return client.ClientSecretPost(provider.client_secret);
    case 'none':
      return client.None();
    case 'client_secret_basic':
      return client.ClientSecretBasic(provider.client_secret);
  }
}

interface JwksCache {
  jwks: { keys: Array<Record<string, unknown>> };
  uat: number;
}

/** JWKS older than this is fetched again anyway (a key the provider revoked stops working). */
const JWKS_MAX_AGE_SECONDS = 300;

class OpenIdClient implements OidcClient {
  readonly issuer: string;
  readonly hasEndSessionEndpoint: boolean;
  /** Shared between sign-ins; used only when it has the token's key (see the file comment). */
  private jwksCache: JwksCache | undefined;
  private readonly base: client.Configuration;

  constructor(
    private readonly provider: OidcProviderConfig,
    private readonly metadata: client.ServerMetadata,
    private readonly clientMetadata: Partial<client.ClientMetadata>,
    private readonly clientAuth: client.ClientAuth,
    private readonly isInsecure: boolean,
  ) {
    this.issuer = metadata.issuer;
    this.hasEndSessionEndpoint = typeof metadata.end_session_endpoint === 'string';
    this.base = this.createConfiguration();
  }

  private createConfiguration(): client.Configuration {
    const config = new client.Configuration(this.metadata, this.provider.client_id, this.clientMetadata, this.clientAuth);
    config.timeout = this.provider.timeout;
    if (this.isInsecure) client.allowInsecureRequests(config);
    client.enableNonRepudiationChecks(config);
    return config;
  }

  buildAuthorizationUrl(request: AuthorizationRequest): string {
    return client
      .buildAuthorizationUrl(this.base, {
        redirect_uri: request.redirectUri,
        scope: request.scope,
        state: request.state,
        nonce: request.nonce,
        code_challenge: request.codeChallenge,
        code_challenge_method: 'S256',
        // openid-client is not given maxAge for the code exchange: with max_age=0 its own check
        // (auth_time + max_age >= now) would refuse every answer; oidc/service.ts checks auth_time
        // against the moment the flow started instead.
        ...(request.isFreshLoginRequired ? { prompt: 'login', max_age: '0' } : {}),
      })
      .toString();
  }

  buildEndSessionUrl(idTokenHint: string, postLogoutRedirectUri: string): string {
    return client.buildEndSessionUrl(this.base, { id_token_hint: idTokenHint, post_logout_redirect_uri: postLogoutRedirectUri }).toString();
  }

  async exchangeCode(callbackUrl: URL, checks: CodeExchangeChecks): Promise<SignInResult> {
    const config = this.createConfiguration();
    const tokenEndpoint = this.metadata.token_endpoint;
    // Peek at the token response before openid-client validates it, to decide whether the cached
    // JWKS can verify its ID token or the keys must be fetched afresh.
    config[client.customFetch] = async (url, options) => {
      const response = await fetch(url, options);
      if (url === tokenEndpoint && response.ok) {
        const kid = await readIdTokenKid(response.clone());
        if (this.isJwksCacheUsableFor(kid)) client.setJwksCache(config, this.jwksCache!);
      }
      return response;
    };
    let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
    try {
      tokens = await client.authorizationCodeGrant(config, callbackUrl, {
        pkceCodeVerifier: checks.pkceVerifier,
        expectedState: checks.state,
        expectedNonce: checks.nonce,
        idTokenExpected: true,
      });
    } catch (error) {
      throw classifyExchangeError(error, 'token');
    } finally {
      const cache = client.getJwksCache(config);
      if (cache?.uat !== undefined) this.jwksCache = structuredClone(cache);
    }
    const idTokenClaims = tokens.claims();
    if (!tokens.id_token || !idTokenClaims) {
      throw oidcFailure('OIDC_LOGIN_FAILED', 'The provider answered the code exchange without an ID token.');
    }
    let userinfo: Claims | null = null;
    if (typeof this.metadata.userinfo_endpoint === 'string') {
      try {
        userinfo = await client.fetchUserInfo(config, tokens.access_token, idTokenClaims.sub);
      } catch (error) {
        throw classifyExchangeError(error, 'userinfo');
      }
    }
    return { idToken: tokens.id_token, idTokenClaims: { ...idTokenClaims }, userinfo };
  }

  private isJwksCacheUsableFor(kid: string | undefined): boolean {
    const cache = this.jwksCache;
    if (!cache || kid === undefined) return false;
    if (Math.floor(Date.now() / 1000) - cache.uat >= JWKS_MAX_AGE_SECONDS) return false;
    return cache.jwks.keys.some((key) => key['kid'] === kid);
  }
}

/** The `kid` of the id_token in a token response, without validating anything (that comes next). */
async function readIdTokenKid(response: Response): Promise<string | undefined> {
  try {
    const body = (await response.json()) as { id_token?: unknown };
    if (typeof body.id_token !== 'string') return undefined;
    const header = JSON.parse(Buffer.from(body.id_token.split('.')[0] ?? '', 'base64url').toString('utf8')) as {
      kid?: unknown;
    };
    return typeof header.kid === 'string' ? header.kid : undefined;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// openid-client's errors -> OIDC failures. Hints name the fix; they never quote tokens, codes or
// secrets, nor the provider's error_description (which could be anything).

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  cause?: unknown;
  error?: unknown;
  status?: unknown;
}

function asErrorLike(error: unknown): ErrorLike {
  return typeof error === 'object' && error !== null ? error : {};
}

function readDiscoveredIssuer(error: unknown): string | undefined {
  const { code, cause } = asErrorLike(error);
  if (code !== 'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED') return undefined;
  const { attribute, body } = (cause ?? {}) as { attribute?: unknown; body?: { issuer?: unknown } };
  return attribute === 'issuer' && typeof body?.issuer === 'string' ? body.issuer : undefined;
}

const NETWORK_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** The network-level reason (ECONNREFUSED, a TLS problem, a timeout), if that is what it was. */
function findNetworkProblem(error: unknown): string | undefined {
  for (let current: unknown = error, depth = 0; current && depth < 5; depth += 1) {
    const { code, name, cause } = asErrorLike(current);
    if (typeof code === 'string' && NETWORK_ERROR_CODES.has(code)) return code;
    if (code === 'OAUTH_TIMEOUT' || name === 'TimeoutError') return 'timeout';
    if (name === 'TypeError' && asErrorLike(current).message === 'fetch failed' && !cause) return 'fetch failed';
    current = cause;
  }
  return undefined;
}

function classifyDiscoveryError(error: unknown, provider: OidcProviderConfig): OidcFailure {
  const { code, message, cause } = asErrorLike(error);
  const network = findNetworkProblem(error);
  const where = `discovery at ${toIssuerUrl(provider.configuration_endpoint).href.replace(/\/?$/, '/')}.well-known/openid-configuration`;
  if (network) {
    const why = network === 'timeout' ? `no answer within ${provider.timeout} s` : network;
    return oidcFailure(
      'OIDC_PROVIDER_UNREACHABLE',
      `Cannot reach the provider (${where}: ${why}). Check that configuration_endpoint is right and that ` +
        'Gatehouse can reach that host (DNS, firewall, Docker network, a trusted TLS certificate).',
    );
  }
  if (code === 'OAUTH_HTTP_REQUEST_FORBIDDEN') {
    return oidcFailure(
      'OIDC_PROVIDER_UNREACHABLE',
      'The provider advertises http:// endpoints while configuration_endpoint is https://; Gatehouse refuses ' +
        "to send tokens without TLS. Fix the provider's external URL (e.g. its reverse-proxy headers).",
    );
  }
  const status = cause instanceof Response ? ` (HTTP ${cause.status})` : '';
  return oidcFailure(
    'OIDC_PROVIDER_UNREACHABLE',
    `The provider's ${where} failed${status}: ${String(message ?? 'unknown error')}. configuration_endpoint ` +
      'must be the issuer URL or its /.well-known/openid-configuration URL.',
    { oauth_code: code },
  );
}

/** OAuth error codes from a token or userinfo error response -> what the user is told. */
function classifyExchangeError(error: unknown, step: 'token' | 'userinfo'): OidcFailure {
  if (isOidcFailure(error)) return error;
  const network = findNetworkProblem(error);
  if (network) {
    return oidcFailure('OIDC_PROVIDER_UNREACHABLE', `The provider's ${step} endpoint could not be reached (${network}).`);
  }
  const { code, message, cause, status } = asErrorLike(error);
  let { error: oauthError } = asErrorLike(error);
  if (error instanceof client.WWWAuthenticateChallengeError) {
    // A 401 with WWW-Authenticate: at the token endpoint that is the client's credentials.
    const challenges = Array.isArray(cause) ? (cause as Array<{ parameters?: { error?: unknown } }>) : [];
    oauthError = challenges[0]?.parameters?.error ?? (step === 'token' && status === 401 ? 'invalid_client' : 'invalid_token');
  }
  if (error instanceof client.ResponseBodyError || typeof oauthError === 'string') {
    switch (oauthError) {
      case 'invalid_client':
      case 'unauthorized_client':
        return oidcFailure(
          'OIDC_INVALID_CLIENT',
          `The provider refused Gatehouse's client credentials (${oauthError}, HTTP ${String(status)}). Check ` +
            'client_id, client_secret and token_endpoint_auth_method against the client registered at the provider.',
        );
      case 'invalid_grant':
        return oidcFailure(
          'OIDC_LOGIN_FAILED',
          'The provider refused the authorization code (invalid_grant): it was used already, expired, issued ' +
            'for another redirect URI, or the PKCE verifier did not match.',
        );
      default:
        return oidcFailure(
          'OIDC_LOGIN_FAILED',
          `The provider's ${step} endpoint answered with the error "${String(oauthError)}" (HTTP ${String(status)}).`,
        );
    }
  }
  // ID token / userinfo validation: a protocol violation or an attack. Name the check, not the values.
  const { claim, attribute, reason } = findCheckDetails(error);
  const what = [claim && `claim ${String(claim)}`, attribute && `attribute ${String(attribute)}`, reason].filter(Boolean).join(', ');
  const isTimestamp = code === 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED';
  return oidcFailure(
    'OIDC_LOGIN_FAILED',
    `The provider's ${step === 'token' ? 'token response / ID token' : 'userinfo response'} failed validation: ` +
      `${findInnermostMessage(error) ?? String(message ?? 'unknown error')}${what ? ` (${what})` : ''}.` +
      (isTimestamp ? " Check that the provider's and Gatehouse's clocks are right." : ''),
    { oauth_code: typeof code === 'string' ? code : undefined },
  );
}

/** The most specific message in a chain of wrapped errors ("JWT signature verification failed"). */
function findInnermostMessage(error: unknown): string | undefined {
  let found: string | undefined;
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 5; depth += 1) {
    found = current.message;
    current = current.cause;
  }
  return found;
}

/** openid-client wraps oauth4webapi's error, whose cause names the failed check. */
function findCheckDetails(error: unknown): { claim?: unknown; attribute?: unknown; reason?: unknown } {
  for (let current: unknown = error, depth = 0; current && depth < 4; depth += 1) {
    const { cause } = asErrorLike(current);
    if (typeof cause === 'object' && cause !== null && !(cause instanceof Error)) {
      const { claim, attribute, reason } = cause as { claim?: unknown; attribute?: unknown; reason?: unknown };
      if (claim !== undefined || attribute !== undefined || reason !== undefined) return { claim, attribute, reason };
    }
    current = cause;
  }
  return {};
}
