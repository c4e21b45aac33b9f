/**
 * The composition root: every repository is built once, on the context's database, and every
 * service gets the collaborators it uses as parameters. main.ts, the CLI, the tests and the bench
 * build their services here, so each process has one of each (one AuthService, hence one session
 * cache).
 */
import type { AppContext } from './context.js';
import { createDataAccess, type DataAccess } from './db/repositories.js';
import { createAuditLog } from './audit/service.js';
import { createRateLimiter } from './rate-limit/service.js';
import { createPasswordTokenService } from './password-reset/service.js';
import { createEmailProofService } from './password-reset/email-proof.js';
import { createPasswordResetService } from './password-reset/reset-by-email.js';
import { createAuthService } from './auth/service.js';
import { createReauthentication } from './auth/reauthentication.js';
import { createSessionIssuer } from './auth/session-issuer.js';
import { createSecondFactorService } from './second-factor/service.js';
import { createPasskeyService } from './second-factor/passkeys.js';
import { createWebauthn } from './second-factor/webauthn.js';
import { createApiKeyService } from './api-keys/service.js';
import { createUserService } from './users/service.js';
import { ensureAdminAccounts } from './users/admin-bootstrap.js';
import { createOidcService } from './oidc/service.js';

export function createServices(ctx: AppContext, data: DataAccess = createDataAccess(ctx.db.prisma)) {
  const { config, clock, logger, passwordHasher } = ctx;
  const audit = createAuditLog({ config, clock, logger, auditEvents: data.auditEvents });
  const rateLimiter = createRateLimiter({ config, clock, rateLimits: data.rateLimits });
  const tokens = createPasswordTokenService({ ...data, config, clock, logger, passwordHasher, audit });
  const emailProof = createEmailProofService({ ...ctx, ...data, tokens, rateLimiter, audit });
  const passwordReset = createPasswordResetService({ ...ctx, users: data.users, tokens, rateLimiter, audit });
  const issueSession = createSessionIssuer({ config, clock, sessions: data.sessions });
  const reauthentication = createReauthentication({ ...ctx, ...data, rateLimiter, audit });
  const webauthn = createWebauthn({ config, clock, logger, data });
  const secondFactor = createSecondFactorService({ config, clock, logger, data, webauthn, rateLimiter, audit, reauthentication, issueSession });
  const passkeys = createPasskeyService({ config, clock, logger, data, webauthn, rateLimiter, audit, reauthentication, issueSession });
  const auth = createAuthService({ ...ctx, ...data, rateLimiter, audit, emailProof, issueSession, secondFactor });
  const users = createUserService({ ...ctx, ...data, tokens, emailProof, audit, rateLimiter, reauthentication });
  const apiKeys = createApiKeyService({ config, clock, logger, data, rateLimiter, audit });
  const oidc = createOidcService({ ...ctx, ...data, audit, rateLimiter, secondFactor });

  return {
    data,
    audit,
    rateLimiter,
    tokens,
    emailProof,
    passwordReset,
    auth,
    reauthentication,
    secondFactor,
    passkeys,
    apiKeys,
    users,
    oidc,
    /** Applies [auth] admin_emails (main.ts runs it under the migration lock). */
    /** Forget every cached session and API key check: a session, a key or a user may just have changed. */
    forgetCachedChecks: () => {
      auth.forgetCachedSessions();
      apiKeys.forgetCached();
    },
    ensureAdminAccounts: () => ensureAdminAccounts({ config, clock, logger, users: data.users, tokens }),
    /**
     * Housekeeping: dead sessions, spent rate-limit windows, OIDC transactions, pending sign-ins and
     * WebAuthn challenges, and audit events
     * past [audit] retention_days.
     */
    purgeExpired: () => Promise.all([auth.purgeExpired(), oidc.purgeSpentTransactions(), secondFactor.purgeExpired(), audit.prune()]),
  };
}

export type Services = ReturnType<typeof createServices>;
