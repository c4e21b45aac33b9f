import type { PrismaClient } from '../generated/prisma/client.js';
import type { Atomically, Db } from './db-handle.js';
import { createUserRepo } from '../users/repo.js';
import { createSessionRepo } from '../auth/repo.js';
import { createLinkedAccountRepo, createOidcTransactionRepo } from '../oidc/repo.js';
import { createPasswordTokenRepo } from '../password-reset/repo.js';
import { createRateLimitRepo } from '../rate-limit/repo.js';
import { createAuditRepo } from '../audit/repo.js';
import { createApiKeyRepo } from '../api-keys/repo.js';
import {
  createPasskeyRepo,
  createPendingSignInRepo,
  createRecoveryCodeRepo,
  createTotpFactorRepo,
  createWebauthnChallengeRepo,
} from '../second-factor/repo.js';

function bindRepositories(db: Db, atomically: Atomically) {
  return {
    users: createUserRepo(db, atomically),
    sessions: createSessionRepo(db),
    linkedAccounts: createLinkedAccountRepo(db),
    oidcTransactions: createOidcTransactionRepo(db),
    passwordTokens: createPasswordTokenRepo(db, atomically),
    rateLimits: createRateLimitRepo(db),
    auditEvents: createAuditRepo(db),
    totpFactors: createTotpFactorRepo(db),
    recoveryCodes: createRecoveryCodeRepo(db),
    pendingSignIns: createPendingSignInRepo(db),
    passkeys: createPasskeyRepo(db),
    webauthnChallenges: createWebauthnChallengeRepo(db),
    apiKeys: createApiKeyRepo(db),
  };
}

/** One repository per table; each is the only code that writes its table. */
export type Repositories = ReturnType<typeof bindRepositories>;

/** Runs fn in one transaction, with repositories bound to it: all of fn's writes commit together or none. */
export type WithTransaction = <T>(fn: (repos: Repositories) => Promise<T>) => Promise<T>;

export interface DataAccess extends Repositories {
  readonly withTransaction: WithTransaction;
}

/** The repositories on the client, and the one way to run several writes as one transaction. */
export function createDataAccess(prisma: PrismaClient): DataAccess {
  return {
    ...bindRepositories(prisma, (fn) => prisma.$transaction(fn)),
    withTransaction: (fn) => prisma.$transaction((tx) => fn(bindRepositories(tx, (inner) => inner(tx)))),
  };
}
