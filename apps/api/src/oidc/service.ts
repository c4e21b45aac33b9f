/**
 * OpenID Connect sign-in: start a flow, finish it, turn the provider's word about a person into a
 * Gatehouse account and session, and end the provider's session on logout.
 *
 * Rules that matter for safety:
 * - A person is (issuer, subject) in linked_accounts, never an email alone. An existing account is
 *   linked by email only when the provider says email_verified: true (otherwise anyone who can set
 *   an unverified address at some provider could take that account over) AND the account's own
 *   address is proven (email_verified_at): otherwise whoever registered or changed an account to a
 *   colleague's address before the colleague's first SSO sign-in would receive the colleague.
 * - A new account needs email_verified: true unless the provider sets allow_unverified_email; an
 *   account created from a verified identity is proven, one created without stays unproven. A
 *   sign-in through a linked identity whose provider vouches for the account's address proves it.
 * - Nothing is written before every check has passed: a refused sign-in leaves no user, no link
 *   and no session behind (only the id of its spent transaction).
 * - admin_emails grants admin here only on a verified email that is the account's proven address
 *   (or becomes it, for a new account); admin_groups follows the groups claim
 *   at every sign-in, both ways, but never demotes an admin_emails admin or the last active admin.
 */
import { apiPath, EMAIL_SHAPE, sanitizeReturnTo, type LinkedAccountRead, type SecondFactorChallenge } from '@gatehouse/shared';
import type { AppContext } from '../context.js';
import type { RateLimiter } from '../rate-limit/service.js';
import type { OidcProviderConfig } from '../config/types.js';
import type { ClientInfo, IssuedSession } from '../auth/service.js';
import type { SecondFactorService } from '../second-factor/service.js';
import type { Session, SessionRepo } from '../auth/repo.js';
import { isLiveSessionOf } from '../auth/session-liveness.js';
import { AppError, isOidcFailure, oidcFailure, type OidcFailure } from '../http/app-error.js';
import type { User, UserRepo } from '../users/repo.js';
import { isUniqueViolationOn } from '../db/prisma-errors.js';
import type { WithTransaction } from '../db/repositories.js';
import { normalizeEmail } from '../users/email.js';
import { isUuid } from '../db/uuid.js';
import { createPkcePair, createRandomNonce, createRandomState, discoverOidcClient, type Claims, type OidcClient } from './openid-adapter.js';
import { buildPostLogoutRedirectUri, buildRedirectUri, findEnabledProvider, listEnabledProviders, narrowScopes } from './providers.js';
import type { LinkedAccountRepo, OidcTransactionRepo } from './repo.js';
import { TRANSACTION_LIFETIME_MS, createTransactionSealer } from './transaction.js';
import { chooseUsername, withRandomSuffix } from './username.js';
import { ANONYMOUS_ACTOR, SYSTEM_ACTOR, actorOf, type AuditLog } from '../audit/service.js';

/** After a failed discovery, wait this long before asking the provider again. */
export const DISCOVERY_RETRY_MS = 15_000;
const USERNAME_ATTEMPTS = 5;
/** Clocks differ: a re-authentication's auth_time may precede the flow's start by this much. */
const AUTH_TIME_SKEW_SECONDS = 5;

export interface StartedSignIn {
  authorizationUrl: string;
  /** Value of the transaction cookie to set. */
  transaction: string;
}

export interface FinishedSignIn {
  /** The new session; null when the flow linked an account to an existing session instead, or waits for a second factor. */
  issued: IssuedSession | null;
  returnTo: string;
  /** A provider with require_second_factor, for an account with one: the pending sign-in to complete. */
  secondFactor?: SecondFactorChallenge & { token: string };
}

export interface CallbackInput {
  /** The provider named by the callback path, or null for /auth/oauth/callback. */
  providerName: string | null;
  /** The query string the provider sent back, without "?". */
  query: string;
  transactionCookie: string | undefined;
  client: ClientInfo;
}

/** What the provider says about the person, after validation. */
interface Identity {
  issuer: string;
  subject: string;
  email: string | null;
  isEmailVerified: boolean;
  groups: string[];
  claims: Claims;
  /** auth_time from the ID token only (userinfo cannot vouch for when the login happened). */
  authTime: unknown;
}

export interface OidcServiceDeps extends Pick<AppContext, 'config' | 'clock' | 'logger'> {
  readonly users: UserRepo;
  readonly sessions: SessionRepo;
  readonly linkedAccounts: LinkedAccountRepo;
  readonly oidcTransactions: OidcTransactionRepo;
  readonly withTransaction: WithTransaction;
  readonly audit: AuditLog;
  readonly rateLimiter: RateLimiter;
  readonly secondFactor: Pick<SecondFactorService, 'finishFirstFactor'>;
  /** Discovery and the protocol; tests pass a fake. */
  readonly discover?: typeof discoverOidcClient;
}

export function createOidcService(deps: OidcServiceDeps) {
  const { config, logger, users, sessions, linkedAccounts, oidcTransactions, audit, rateLimiter } = deps;
  const sealer = createTransactionSealer(config.auth.token_secret);
  const clients = createClientRegistry(deps, deps.discover ?? discoverOidcClient);

  const fail = (hint: string, details: Record<string, unknown> = {}) => oidcFailure('OIDC_LOGIN_FAILED', hint, details);

  function requireProvider(name: string): OidcProviderConfig {
    const provider = findEnabledProvider(config, name);
    if (!provider) {
      const configured = listEnabledProviders(config).map((p) => `"${p.name}"`);
      throw oidcFailure(
        'OIDC_PROVIDER_NOT_FOUND',
        `No enabled provider is named "${name.slice(0, 100)}" (names are case-sensitive and exact; ` +
          `configured: ${configured.join(', ') || 'none'}).`,
        { provider: name.slice(0, 100) },
      );
    }
    return provider;
  }

  /** The provider a callback is for: by path, or the single one that uses /auth/oauth/callback. */
  function resolveCallbackProvider(name: string | null): OidcProviderConfig {
    if (name === null) {
      const provider = listEnabledProviders(config).find((p) => p.callback === 'oauth');
      if (!provider) {
        throw fail(
          'A provider sent the browser to /api/v1/auth/oauth/callback, but no enabled provider has callback = "oauth". ' +
            'Register the redirect URI shown in the start-up log instead, or set callback = "oauth".',
        );
      }
      return provider;
    }
    const provider = findEnabledProvider(config, name);
    if (!provider) {
      const expected = listEnabledProviders(config).map((p) => buildRedirectUri(config, p));
      throw fail(
        `A provider sent the browser to the callback of "${name.slice(0, 100)}", which is not an enabled provider. ` +
          'The name in the redirect URI is case-sensitive and must match exactly. Registered redirect URIs should be: ' +
          `${expected.join(', ') || '(no provider enabled)'}.`,
      );
    }
    if (provider.callback === 'oauth') {
      throw fail(
        `"${provider.name}" has callback = "oauth", so its redirect URI is ${buildRedirectUri(config, provider)}, ` +
          'but the provider sent the browser to the per-provider callback.',
      );
    }
    return provider;
  }

  function readIdentity(provider: OidcProviderConfig, issuer: string, idClaims: Claims, userinfo: Claims | null): Identity {
    const subject = idClaims['sub'];
    if (typeof subject !== 'string' || subject === '') throw fail('The ID token has no subject (sub).');
    // email and email_verified are read as a pair, from userinfo when it has an email.
    const emailSource = userinfo && typeof userinfo['email'] === 'string' ? userinfo : idClaims;
    const rawEmail = emailSource['email'];
    const email = typeof rawEmail === 'string' && EMAIL_SHAPE.test(rawEmail.trim()) ? normalizeEmail(rawEmail) : null;
    const claims: Claims = { ...idClaims, ...(userinfo ?? {}) };
    return {
      issuer,
      subject,
      email,
      isEmailVerified: emailSource['email_verified'] === true,
      groups: readGroups(claims[provider.groups_claim]),
      claims,
      authTime: idClaims['auth_time'],
    };
  }

  function isListedAdminEmail(email: string | null): boolean {
    return email !== null && config.auth.admin_emails.includes(email);
  }

  /**
   * Should this sign-in make the user admin (true), take admin away (false), or leave it (null)?
   * `user` null: the account about to be created from this identity (proven iff the email is verified).
   */
  function decideAdmin(provider: OidcProviderConfig, identity: Identity, user: User | null): boolean | null {
    const isProvenAddress = user === null || (user.emailVerifiedAt !== null && user.email === identity.email);
    const isAdminByEmail = identity.isEmailVerified && isProvenAddress && isListedAdminEmail(identity.email);
    if (provider.admin_groups.length === 0) return isAdminByEmail ? true : null;
    const isAdminByGroup = identity.groups.some((group) => provider.admin_groups.includes(group));
    if (isAdminByGroup || isAdminByEmail) return true;
    // Leaving the group removes admin, except from those admin_emails names.
    if (user && isListedAdminEmail(user.email)) return null;
    return false;
  }

  async function applyAdminDecision(user: User, decision: boolean | null, provider: OidcProviderConfig): Promise<User> {
    if (decision === null || decision === user.isSuperuser) return user;
    const result = await deps.withTransaction(async (tx) => {
      await tx.users.lockAdmins();
      if (!decision && user.isActive && (await tx.users.countActiveAdmins()) <= 1) {
        logger.warn(
          { userId: user.id, provider: provider.name },
          'OpenID Connect: the last active administrator is no longer in admin_groups; admin was NOT removed. ' + 'Promote someone else first.',
        );
        return user;
      }
      const updated = await tx.users.update(user.id, { isSuperuser: decision });
      logger.info(
        { userId: user.id, provider: provider.name, is_superuser: decision },
        decision ? 'OpenID Connect sign-in granted admin' : 'OpenID Connect sign-in removed admin (not in admin_groups)',
      );
      return updated;
    });
    if (result.isSuperuser !== user.isSuperuser) {
      await audit.record({
        type: 'admin.user_updated',
        actor: SYSTEM_ACTOR,
        user: result,
        provider: provider.name,
        details: { is_superuser: result.isSuperuser, reason: 'admin_groups' },
      });
    }
    return result;
  }

  async function createAccount(provider: OidcProviderConfig, identity: Identity, email: string): Promise<User> {
    const isSuperuser = decideAdmin(provider, identity, null) === true;
    const displayName = typeof identity.claims['name'] === 'string' ? identity.claims['name'].slice(0, 100) : null;
    const link = { provider: provider.name, issuer: identity.issuer, subject: identity.subject, email, lastLoginAt: deps.clock.now() };
    let username = chooseUsername(identity.claims, provider.username_claim, email);
    for (let attempt = 1; ; attempt += 1) {
      try {
        // The account, its link and their audit events, together or not at all.
        const user = await deps.withTransaction(async (tx) => {
          const created = await tx.users.create({
            email,
            username,
            displayName,
            hashedPassword: null,
            isActive: true,
            isSuperuser,
            isVerified: true,
            // allow_unverified_email: the provider did not vouch for the address, so it stays unproven.
            emailVerifiedAt: identity.isEmailVerified ? link.lastLoginAt : null,
          });
          await tx.linkedAccounts.create({ ...link, userId: created.id });
          await tx.auditEvents.create(
            audit.row({ type: 'account.registered', actor: actorOf(created), user: created, method: 'oidc', provider: provider.name }),
          );
          await tx.auditEvents.create(
            audit.row({
              type: 'account.linked',
              actor: actorOf(created),
              user: created,
              provider: provider.name,
              details: { issuer: identity.issuer },
            }),
          );
          return created;
        });
        logger.info({ userId: user.id, provider: provider.name, username }, 'Account created through OpenID Connect');
        return user;
      } catch (error) {
        if (isUniqueViolationOn(error, 'users_username_key') && attempt < USERNAME_ATTEMPTS) {
          username = withRandomSuffix(chooseUsername(identity.claims, provider.username_claim, email));
          continue;
        }
        // Someone else signed up with this email or subject at the same moment: let them retry.
        if (isUniqueViolationOn(error, 'users_email_key') || isUniqueViolationOn(error, 'linked_accounts_issuer_subject_key')) {
          throw fail('Another sign-in created this account at the same moment; signing in again will work.');
        }
        throw error;
      }
    }
  }

  /** Links the identity to an existing account, with its audit event, in one transaction. */
  function linkToAccount(user: User, provider: OidcProviderConfig, identity: Identity, by: 'verified_email' | 'signed_in_user', now: Date) {
    return deps.withTransaction(async (tx) => {
      const link = await tx.linkedAccounts.create({
        userId: user.id,
        provider: provider.name,
        issuer: identity.issuer,
        subject: identity.subject,
        email: identity.email,
        lastLoginAt: now,
      });
      await tx.auditEvents.create(
        audit.row({ type: 'account.linked', actor: actorOf(user), user, provider: provider.name, details: { issuer: identity.issuer, by } }),
      );
      return link;
    });
  }

  /** The account for this identity: linked, linked now by verified email, or new. */
  async function resolveAccount(provider: OidcProviderConfig, identity: Identity): Promise<User> {
    const now = deps.clock.now();
    const linked = await linkedAccounts.findWithUser(identity.issuer, identity.subject);
    if (linked) {
      if (!linked.user.isActive) {
        throw oidcFailure('OIDC_ACCOUNT_DISABLED', `Account ${linked.user.id} is deactivated; an admin can activate it.`);
      }
      await linkedAccounts.recordLogin(linked.id, identity.email, now);
      const user = await proveAddressIfVouched(linked.user, identity, now);
      return applyAdminDecision(user, decideAdmin(provider, identity, user), provider);
    }
    if (identity.email === null) {
      throw oidcFailure(
        'OIDC_EMAIL_MISSING',
        `The provider sent no usable email claim. Add the "email" scope (scopes = "${provider.scopes}") and give the ` +
          'user an email address at the provider.',
      );
    }
    const existing = await users.findByEmail(identity.email);
    if (existing) {
      if (!identity.isEmailVerified) {
        throw oidcFailure(
          'OIDC_EMAIL_NOT_VERIFIED',
          `An account with this email exists, but the provider did not say email_verified: true, so it was not linked. ` +
            'Mark the email as verified at the provider.',
        );
      }
      if (existing.emailVerifiedAt === null) {
        // Whoever set this address on the account (self-registration, an email change) never proved
        // it: linking would hand this person's sign-in to that account, and its password holder.
        throw oidcFailure(
          'OIDC_EMAIL_UNPROVEN',
          `Account ${existing.id} has this email, but its address is not proven, so the identity was not linked. ` +
            'The owner can sign in with the password and link the provider from the account page, or prove the ' +
            'address; an admin setting the address also proves it.',
        );
      }
      if (!existing.isActive) {
        throw oidcFailure('OIDC_ACCOUNT_DISABLED', `Account ${existing.id} is deactivated; an admin can activate it.`);
      }
      await linkToAccount(existing, provider, identity, 'verified_email', now);
      logger.info({ userId: existing.id, provider: provider.name }, 'Linked an existing account by verified email');
      return applyAdminDecision(existing, decideAdmin(provider, identity, existing), provider);
    }
    if (!provider.auto_register) {
      throw oidcFailure(
        'OIDC_REGISTRATION_DISABLED',
        `No account for this person and auto_register is false for "${provider.name}". Create the account ` +
          '(same email) in the users page, or set auto_register = true.',
      );
    }
    if (!identity.isEmailVerified && !provider.allow_unverified_email) {
      throw oidcFailure(
        'OIDC_EMAIL_NOT_VERIFIED',
        `The provider did not say email_verified: true, so no account was created. Mark the email as verified at ` +
          `the provider, or (for providers that never send the claim, such as Entra ID) set ` +
          `allow_unverified_email = true for "${provider.name}" and accept its risk (see config.example.toml).`,
      );
    }
    return createAccount(provider, identity, identity.email);
  }

  /** The provider vouches for the account's current address: prove it (once). */
  async function proveAddressIfVouched(user: User, identity: Identity, now: Date): Promise<User> {
    if (!identity.isEmailVerified || identity.email !== user.email || user.emailVerifiedAt !== null) return user;
    const proven = (await users.proveEmailIfCurrent(user.id, identity.email, now)) ?? user;
    if (proven.emailVerifiedAt !== null) {
      logger.info({ userId: user.id }, 'Email address proven by the identity provider (email_verified: true)');
    }
    return proven;
  }

  /** The session that started a link or re-authentication flow, if it is still live and still theirs. */
  async function findLiveSession(started: { userId: string; sessionId: string }, now: Date) {
    const session = await sessions.findWithUser(started.sessionId);
    return isLiveSessionOf(session, started.userId, now) ? session : null;
  }

  /**
   * A re-authentication at a provider: the identity must be one already linked to this same user,
   * and the provider must have asked for the login again after the flow started (auth_time). Marks
   * the session; signs nobody in.
   */
  async function reauthenticate(
    provider: OidcProviderConfig,
    identity: Identity,
    reauth: { userId: string; sessionId: string; startedAt: number },
  ): Promise<void> {
    const now = deps.clock.now();
    const session = await findLiveSession(reauth, now);
    if (!session) throw fail('The session that started a re-authentication has ended; sign in again.');
    const linked = await linkedAccounts.findWithUser(identity.issuer, identity.subject);
    if (!linked || linked.user.id !== reauth.userId) {
      throw fail(
        `User ${reauth.userId} tried to re-authenticate through a "${provider.name}" identity that is ` +
          (linked ? `linked to user ${linked.user.id}` : 'not linked to any account') +
          '; refused.',
      );
    }
    const authTime = identity.authTime;
    const startedAtSeconds = Math.floor(reauth.startedAt / 1000) - AUTH_TIME_SKEW_SECONDS;
    if (typeof authTime !== 'number' || !Number.isFinite(authTime) || authTime < startedAtSeconds) {
      throw fail(
        `"${provider.name}" answered a re-authentication without a fresh login (auth_time ` +
          `${typeof authTime === 'number' ? new Date(authTime * 1000).toISOString() : 'missing'}, flow started ` +
          `${new Date(reauth.startedAt).toISOString()}): it ignored prompt=login and max_age=0. Refused.`,
      );
    }
    await linkedAccounts.recordLogin(linked.id, identity.email, now);
    await sessions.markAuthenticated(session.id, now);
    await audit.record({
      type: 'session.reauthenticated',
      actor: actorOf(session.user),
      user: session.user,
      method: 'oidc',
      provider: provider.name,
      details: { session_id: session.id },
    });
    logger.info({ userId: reauth.userId, provider: provider.name }, 'Session re-authenticated at the identity provider');
  }

  /**
   * Adds this identity to the account whose session started the flow. No email match is needed:
   * the person proved both the session here and the account at the provider. The session must
   * still be live (signing out in between cancels the link), and an identity already linked to
   * someone else stays theirs.
   */
  async function linkIdentity(provider: OidcProviderConfig, identity: Identity, link: { userId: string; sessionId: string }) {
    const now = deps.clock.now();
    const session = await findLiveSession(link, now);
    if (!session) throw fail('The session that started linking an account has ended; sign in and link it again.');
    const existing = await linkedAccounts.findWithUser(identity.issuer, identity.subject);
    if (existing && existing.user.id !== link.userId) {
      throw oidcFailure(
        'OIDC_ALREADY_LINKED',
        `User ${link.userId} tried to link a "${provider.name}" identity that belongs to user ${existing.user.id}.`,
      );
    }
    if (existing) {
      await linkedAccounts.recordLogin(existing.id, identity.email, now);
      await proveAddressIfVouched(existing.user, identity, now);
      return;
    }
    try {
      await linkToAccount(session.user, provider, identity, 'signed_in_user', now);
    } catch (error) {
      if (isUniqueViolationOn(error, 'linked_accounts_issuer_subject_key')) {
        throw oidcFailure('OIDC_ALREADY_LINKED', 'Another request linked this identity at the same moment.');
      }
      throw error;
    }
    await proveAddressIfVouched(session.user, identity, now);
    logger.info({ userId: link.userId, provider: provider.name }, 'Linked another identity-provider account');
  }

  async function completeSignIn(input: CallbackInput): Promise<FinishedSignIn> {
    const provider = resolveCallbackProvider(input.providerName);
    if (!input.transactionCookie) {
      throw fail(
        'The callback came without the sign-in transaction cookie: the flow was started in another browser or ' +
          'more than 10 minutes ago, cookies are blocked, or the browser opened Gatehouse at an address other than ' +
          `misc.frontend_url (${config.misc.frontend_url}).`,
      );
    }
    const now = deps.clock.now();
    const transaction = sealer.open(input.transactionCookie, now);
    if (!transaction) throw fail('The sign-in transaction cookie is invalid or expired (older than 10 minutes).');
    if (transaction.provider !== provider.name) {
      throw fail(`The sign-in was started with "${transaction.provider}" but came back to "${provider.name}".`);
    }
    if (!(await oidcTransactions.markUsed(transaction.id, new Date(transaction.expiresAt)))) {
      throw fail('This sign-in transaction was already used: a replayed or repeated callback was refused.');
    }
    const params = new URLSearchParams(input.query);
    if (params.get('state') !== transaction.state) {
      throw fail('The state returned by the provider does not match this browser’s sign-in (a forged or crossed callback).');
    }
    const oauthError = params.get('error');
    if (oauthError !== null) throw describeAuthorizationError(provider, oauthError, config);

    const client = await clients.get(provider);
    const callbackUrl = new URL(buildRedirectUri(config, provider));
    callbackUrl.search = input.query;
    const result = await client.exchangeCode(callbackUrl, {
      state: transaction.state,
      nonce: transaction.nonce,
      pkceVerifier: transaction.pkceVerifier,
    });
    const identity = readIdentity(provider, client.issuer, result.idTokenClaims, result.userinfo);
    if (provider.allowed_groups.length > 0 && !identity.groups.some((group) => provider.allowed_groups.includes(group))) {
      throw oidcFailure(
        'OIDC_USER_NOT_ALLOWED',
        `The user is in none of allowed_groups (${provider.allowed_groups.join(', ')}) according to the ` +
          `"${provider.groups_claim}" claim. Add them to one at the provider, or check groups_claim and that the scope ` +
          'releasing it is in scopes.',
      );
    }
    if (transaction.link) {
      await linkIdentity(provider, identity, transaction.link);
      return { issued: null, returnTo: transaction.returnTo };
    }
    if (transaction.reauth) {
      await reauthenticate(provider, identity, transaction.reauth);
      return { issued: null, returnTo: transaction.returnTo };
    }
    const user = await resolveAccount(provider, identity);
    const outcome = await deps.secondFactor.finishFirstFactor(
      user,
      { transport: 'cookie', authMethod: `oidc:${provider.name}`, client: input.client, groups: identity.groups, oidcIdToken: result.idToken },
      provider.require_second_factor,
    );
    if ('challenge' in outcome) return { issued: null, returnTo: transaction.returnTo, secondFactor: outcome.challenge };
    const { issued } = outcome;
    await sessions.storeIdToken(issued.session.id, result.idToken);
    logger.info({ userId: user.id, provider: provider.name }, 'User signed in with OpenID Connect');
    return { issued, returnTo: transaction.returnTo };
  }

  const service = {
    /**
     * `link`: a signed-in user adding this provider to their account, rather than signing in.
     * `reauth`: a signed-in user proving themselves again at a provider linked to their account
     * (forces a fresh login there).
     */
    async startSignIn(
      providerName: string,
      rawReturnTo: unknown,
      link?: { userId: string; sessionId: string },
      reauth?: { userId: string; sessionId: string },
      requestedScopes?: readonly string[],
    ): Promise<StartedSignIn> {
      const provider = requireProvider(providerName);
      const client = await clients.get(provider);
      const [{ verifier, challenge }, state, nonce] = [await createPkcePair(), createRandomState(), createRandomNonce()];
      const transaction = sealer.seal({
        id: createRandomState(),
        provider: provider.name,
        state,
        nonce,
        pkceVerifier: verifier,
        returnTo: sanitizeReturnTo(rawReturnTo),
        ...(link ? { link } : {}),
        ...(reauth ? { reauth: { ...reauth, startedAt: deps.clock.now().getTime() } } : {}),
        expiresAt: deps.clock.now().getTime() + TRANSACTION_LIFETIME_MS,
      });
      const authorizationUrl = client.buildAuthorizationUrl({
        redirectUri: buildRedirectUri(config, provider),
        scope: narrowScopes(provider.scopes, requestedScopes),
        state,
        nonce,
        codeChallenge: challenge,
        isFreshLoginRequired: reauth !== undefined,
      });
      return { authorizationUrl, transaction };
    },

    /**
     * The one enabled provider, for MediaManager's single-provider `/auth/oauth/authorize`. With
     * several the client must say which: 400 naming their own routes.
     */
    findOnlyProvider(): OidcProviderConfig {
      const enabled = listEnabledProviders(config);
      const [only] = enabled;
      if (only === undefined) throw new AppError('OIDC_PROVIDER_NOT_FOUND', 'No identity provider is enabled on this server.');
      if (enabled.length > 1) {
        const routes = enabled.map((provider) => `GET ${apiPath('oidcAuthorize', { name: provider.name })}`);
        throw new AppError('OIDC_PROVIDER_REQUIRED', `Several identity providers are enabled; start sign-in with one of them: ${routes.join(', ')}.`);
      }
      return only;
    },

    /** Starts a re-authentication through `providerName`, which must be linked to this user. */
    async startReauthentication(user: User, sessionId: string, providerName: string, rawReturnTo: unknown): Promise<StartedSignIn> {
      const provider = requireProvider(providerName);
      const links = await linkedAccounts.listOfUser(user.id);
      if (!links.some((link) => link.provider === provider.name)) {
        throw new AppError(
          'LINKED_ACCOUNT_NOT_FOUND',
          `No "${provider.name}" account is linked to yours; re-authenticate with your password or a linked provider.`,
        );
      }
      return service.startSignIn(provider.name, rawReturnTo, undefined, { userId: user.id, sessionId });
    },

    /**
     * The callback, braked per client address: forged, replayed or refused callbacks count as
     * failures (an unreachable provider does not: that is nobody's guess). Throws RATE_LIMITED
     * (an AppError that is not an OIDC failure) while the address is held back.
     */
    async finishSignIn(input: CallbackInput): Promise<FinishedSignIn> {
      // Reserve-then-judge, as sign-ins do: many forged callbacks sent at once can never have
      // more than the limit judged.
      const attempt = await rateLimiter.reserve([[rateLimiter.rules.oidcCallbackPerClient, input.client.ipAddress ?? 'unknown']]);
      let finished: FinishedSignIn;
      try {
        finished = await completeSignIn(input);
      } catch (error) {
        if (isOidcFailure(error) && error.code !== 'OIDC_PROVIDER_UNREACHABLE') await attempt.failed();
        else await attempt.abandon();
        throw error;
      }
      await attempt.succeeded();
      return finished;
    },

    /** RP-initiated logout URL for a session a provider started (end_session on and supported). */
    async findEndSessionUrl(session: Session): Promise<string | null> {
      if (!session.authMethod.startsWith('oidc:') || !session.oidcIdToken) return null;
      const provider = findEnabledProvider(config, session.authMethod.slice('oidc:'.length));
      if (!provider?.end_session) return null;
      try {
        const client = await clients.get(provider);
        if (!client.hasEndSessionEndpoint) return null;
        return client.buildEndSessionUrl(session.oidcIdToken, buildPostLogoutRedirectUri(config));
      } catch (error) {
        // Signing out of Gatehouse has happened; the provider's side is best effort.
        logger.warn(
          { provider: provider.name, hint: isOidcFailure(error) ? error.logMessage : String(error) },
          'Could not build the identity provider logout URL; signed out of Gatehouse only',
        );
        return null;
      }
    },

    async listLinkedAccounts(userId: string): Promise<LinkedAccountRead[]> {
      return (await linkedAccounts.listOfUser(userId)).map((link) => ({
        id: link.id,
        provider: link.provider,
        issuer: link.issuer,
        email: link.email,
        created_at: link.createdAt.toISOString(),
        last_login_at: link.lastLoginAt?.toISOString() ?? null,
      }));
    },

    /** Unlinks, unless it is the user's last way in (no usable password and no other enabled provider). */
    async unlinkAccount(user: User, linkId: string): Promise<void> {
      const links = await linkedAccounts.listOfUser(user.id);
      const link = isUuid(linkId) ? links.find((candidate) => candidate.id === linkId) : undefined;
      if (!link) throw new AppError('LINKED_ACCOUNT_NOT_FOUND', 'No linked account with this id.');
      const hasPasswordWay = user.hashedPassword !== null && config.auth.password_login_enabled;
      const hasOtherLink = links.some((other) => other.id !== link.id && findEnabledProvider(config, other.provider));
      if (!hasPasswordWay && !hasOtherLink) {
        throw new AppError('LAST_SIGN_IN_METHOD', 'This is your only way to sign in. Set a password (or link another provider) before unlinking it.');
      }
      await linkedAccounts.deleteOfUser(link.id, user.id);
      logger.info({ userId: user.id, provider: link.provider }, 'Linked account removed');
      await audit.record({ type: 'account.unlinked', actor: actorOf(user), user, provider: link.provider, details: { issuer: link.issuer } });
    },

    /** Housekeeping: spent transaction ids past their expiry can no longer be replayed anyway. */
    async purgeSpentTransactions(): Promise<number> {
      return (await oidcTransactions.purgeExpired(deps.clock.now())).count;
    },
  };

  /** Every callback ends in the audit trail, as a sign-in or as a failure with its code. */
  async function finishSignInAudited(input: CallbackInput): Promise<FinishedSignIn> {
    try {
      const finished = await service.finishSignIn(input);
      // Linking another provider from the account page signs nobody in (linkIdentity audits it).
      if (finished.issued === null) return finished;
      const { user, session } = finished.issued;
      await audit.record({
        type: 'sign_in.succeeded',
        actor: actorOf(user),
        user,
        method: 'oidc',
        provider: session.authMethod.slice('oidc:'.length),
        ipAddress: input.client.ipAddress,
      });
      return finished;
    } catch (error) {
      await audit.record({
        type: 'sign_in.failed',
        actor: ANONYMOUS_ACTOR,
        method: 'oidc',
        provider: input.providerName ?? undefined,
        ipAddress: input.client.ipAddress,
        details: { reason: isOidcFailure(error) ? error.code : 'OIDC_LOGIN_FAILED' },
      });
      throw error;
    }
  }

  return { ...service, finishSignIn: finishSignInAudited };
}

export type OidcService = ReturnType<typeof createOidcService>;

/**
 * A groups claim: a list of names, one name, or an object whose keys are the names (Zitadel's
 * project roles). Anything else counts as no groups.
 */
function readGroups(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string');
  if (typeof value === 'object' && value !== null) return Object.keys(value);
  return [];
}

/** `?error=` on the callback (RFC 6749 4.1.2.1) -> the user's code and the admin's fix. */
function describeAuthorizationError(provider: OidcProviderConfig, error: string, config: AppContext['config']): OidcFailure {
  const shown = error.replace(/[^\w.-]/g, '').slice(0, 64);
  switch (error) {
    case 'access_denied':
      return oidcFailure('OIDC_ACCESS_DENIED', 'The user cancelled or the provider refused access (access_denied).');
    case 'invalid_client':
    case 'unauthorized_client':
      return oidcFailure(
        'OIDC_INVALID_CLIENT',
        `The provider refused the client (${shown}). Check client_id and that the client may use the authorization code flow.`,
      );
    case 'redirect_uri_mismatch':
    case 'invalid_redirect_uri':
      return oidcFailure(
        'OIDC_REDIRECT_URI_MISMATCH',
        `The provider refused the redirect URI (${shown}). Register exactly ${buildRedirectUri(config, provider)} with it.`,
      );
    case 'invalid_scope':
      return oidcFailure('OIDC_LOGIN_FAILED', `The provider refused the scopes "${provider.scopes}" (invalid_scope). Fix scopes.`);
    default:
      return oidcFailure('OIDC_LOGIN_FAILED', `The provider answered the authorization request with the error "${shown}".`);
  }
}

/**
 * Discovery, lazily and once per provider (the provider may be down when Gatehouse starts). A
 * failure is remembered for DISCOVERY_RETRY_MS so a down provider is not asked on every click.
 */
function createClientRegistry(ctx: Pick<AppContext, 'clock' | 'logger'>, discover: typeof discoverOidcClient) {
  interface Entry {
    client?: OidcClient;
    pending?: Promise<OidcClient>;
    failure?: { error: OidcFailure; at: number };
  }
  const entries = new Map<string, Entry>();
  return {
    get(provider: OidcProviderConfig): Promise<OidcClient> {
      let entry = entries.get(provider.name);
      if (!entry) {
        entry = {};
        entries.set(provider.name, entry);
      }
      if (entry.client) return Promise.resolve(entry.client);
      if (entry.pending) return entry.pending;
      const now = ctx.clock.now().getTime();
      if (entry.failure && now - entry.failure.at < DISCOVERY_RETRY_MS) return Promise.reject(entry.failure.error);
      const current = entry;
      current.pending = discover(provider, ctx.logger).then(
        (client) => {
          current.client = client;
          current.failure = undefined;
          current.pending = undefined;
          ctx.logger.info({ provider: provider.name, issuer: client.issuer }, `OpenID Connect provider "${provider.name}" discovered`);
          return client;
        },
        (error: unknown) => {
          // Named in the failure: the error middleware logs it for the JSON authorize routes.
          const failure = isOidcFailure(error)
            ? oidcFailure(error.code, error.logMessage, { ...error.options.logDetails, provider: provider.name })
            : oidcFailure('OIDC_PROVIDER_UNREACHABLE', `Discovery failed unexpectedly: ${String(error)}`, { provider: provider.name });
          current.failure = { error: failure, at: ctx.clock.now().getTime() };
          current.pending = undefined;
          throw failure;
        },
      );
      return current.pending;
    },
  };
}
