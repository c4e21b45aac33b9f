/**
 * In-memory repositories for service unit tests: the same methods as db/repositories.ts over
 * plain arrays, with the unique constraints and conditional updates the services rely on, and
 * withTransaction rolling every table back when its function throws. No database.
 */
import crypto from 'node:crypto';
import type {
  ApiKey,
  AuditEvent,
  LinkedAccount,
  Passkey,
  PasswordToken,
  PendingSignIn,
  RecoveryCode,
  Session,
  TotpFactor,
  User,
  WebauthnChallenge,
} from '../generated/prisma/client.js';
import type { DataAccess, Repositories } from '../db/repositories.js';
import type { FailureEntry, ReserveEntry, WindowCount } from '../rate-limit/repo.js';

interface RateLimitRow extends WindowCount {
  key: string;
  windowStart: Date;
}

export interface FakeTables {
  users: User[];
  sessions: Session[];
  linkedAccounts: LinkedAccount[];
  oidcTransactions: Array<{ id: string; expiresAt: Date }>;
  passwordTokens: PasswordToken[];
  rateLimits: RateLimitRow[];
  auditEvents: AuditEvent[];
  totpFactors: TotpFactor[];
  recoveryCodes: RecoveryCode[];
  pendingSignIns: PendingSignIn[];
  passkeys: Passkey[];
  webauthnChallenges: WebauthnChallenge[];
  apiKeys: ApiKey[];
}

export interface FakeData extends DataAccess {
  readonly tables: FakeTables;
  /** How many transactions ran (committed or rolled back). */
  transactions(): number;
}

/** What pglite-prisma-adapter raises on a duplicate, so db/prisma-errors.ts reads it as the real thing. */
function uniqueViolation(modelName: string, fields: string[]): Error {
  return Object.assign(new Error(`Unique constraint failed on ${fields.join(', ')}`), {
    code: 'P2002',
    meta: { modelName, driverAdapterError: { cause: { kind: 'UniqueConstraintViolation', constraint: { fields } } } },
  });
}

function notFound(): Error {
  return Object.assign(new Error('Record to update not found.'), { code: 'P2025' });
}

type Data<T> = Partial<T> & Record<string, unknown>;

/** Prisma's input shapes, as far as the services use them: plain values, and { set } is not used. */
function assign<T extends object>(row: T, data: Data<T>): T {
  for (const [key, value] of Object.entries(data)) {
    if (value !== undefined) (row as Record<string, unknown>)[key] = value;
  }
  return row;
}

function newUser(data: Data<User>, now: Date): User {
  return assign(
    {
      id: crypto.randomUUID(),
      email: '',
      username: null,
      displayName: null,
      hashedPassword: null,
      isActive: true,
      isSuperuser: false,
      isVerified: false,
      emailVerifiedAt: null,
      pendingEmail: null,
      passwordChangedAt: null,
      secondFactorEnrolled: false,
      createdAt: now,
      updatedAt: now,
    } satisfies User,
    data,
  );
}

export function createFakeData(options: { now?: () => Date } = {}): FakeData {
  const now = options.now ?? (() => new Date());
  let tables: FakeTables = {
    users: [],
    sessions: [],
    linkedAccounts: [],
    oidcTransactions: [],
    passwordTokens: [],
    rateLimits: [],
    auditEvents: [],
    totpFactors: [],
    recoveryCodes: [],
    pendingSignIns: [],
    passkeys: [],
    webauthnChallenges: [],
    apiKeys: [],
  };
  let transactionCount = 0;
  let nextAuditId = 1n;

  const checkUserUnique = (candidate: User) => {
    for (const other of tables.users) {
      if (other.id === candidate.id) continue;
      if (other.email === candidate.email) throw uniqueViolation('User', ['email']);
      if (candidate.username !== null && other.username === candidate.username) throw uniqueViolation('User', ['username']);
    }
  };
  const userById = (id: string) => tables.users.find((user) => user.id === id) ?? null;
  const clone = <T>(row: T): T => structuredClone(row);

  const users = {
    findById: async (id: string) => clone(userById(id)),
    findByEmail: async (email: string) => clone(tables.users.find((user) => user.email === email) ?? null),
    listAll: async () => clone(tables.users),
    async search(text: string, skip: number, take: number) {
      const needle = text.toLowerCase();
      const matches = tables.users.filter((user) =>
        [user.email, user.username, user.displayName].some((value) => value !== null && value.toLowerCase().includes(needle)),
      );
      return { users: clone(matches.slice(skip, skip + take)), total: matches.length };
    },
    async create(data: Data<User>) {
      const user = newUser(data, now());
      checkUserUnique(user);
      tables.users.push(user);
      return clone(user);
    },
    async update(id: string, data: Data<User>) {
      const user = userById(id);
      if (!user) throw notFound();
      const updated = assign(clone(user), data);
      checkUserUnique(updated);
      Object.assign(user, updated);
      return clone(user);
    },
    async delete(id: string) {
      const user = userById(id);
      if (!user) throw notFound();
      tables.users = tables.users.filter((row) => row.id !== id);
      tables.sessions = tables.sessions.filter((row) => row.userId !== id);
      tables.linkedAccounts = tables.linkedAccounts.filter((row) => row.userId !== id);
      tables.passwordTokens = tables.passwordTokens.filter((row) => row.userId !== id);
      return user;
    },
    async setSecondFactorEnrolled(id: string, enrolled: boolean) {
      return users.update(id, { secondFactorEnrolled: enrolled });
    },
    countActiveAdmins: async () => tables.users.filter((user) => user.isSuperuser && user.isActive).length,
    lockAdmins: async () => undefined,
    async proveEmailIfCurrent(userId: string, email: string, at: Date) {
      const user = userById(userId);
      if (user && user.email === email && user.emailVerifiedAt === null) user.emailVerifiedAt = at;
      return clone(user);
    },
  };

  const sessionById = (id: string) => tables.sessions.find((session) => session.id === id) ?? null;
  const sessions = {
    async create(data: Data<Session>) {
      const at = now();
      const session = assign(
        {
          id: crypto.randomUUID(),
          userId: '',
          transport: 'cookie',
          authMethod: 'password',
          userAgent: null,
          ipAddress: null,
          createdAt: at,
          lastSeenAt: at,
          expiresAt: at,
          revokedAt: null,
          oidcIdToken: null,
          groups: [],
          authenticatedAt: null,
        } satisfies Session,
        data,
      );
      tables.sessions.push(session);
      return clone(session);
    },
    async findWithUser(id: string) {
      const session = sessionById(id);
      const user = session ? userById(session.userId) : null;
      return session && user ? clone({ ...session, user }) : null;
    },
    listLive: async (userId: string, at: Date) =>
      clone(tables.sessions.filter((s) => s.userId === userId && s.revokedAt === null && s.expiresAt > at)),
    async touch(id: string, at: Date) {
      const session = sessionById(id);
      if (!session) throw notFound();
      session.lastSeenAt = at;
      return clone(session);
    },
    async revokeOne(id: string, userId: string, at: Date) {
      const session = tables.sessions.find((s) => s.id === id && s.userId === userId && s.revokedAt === null);
      if (session) session.revokedAt = at;
      return session !== undefined;
    },
    async revokeAllForUser(userId: string, at: Date, keepId?: string) {
      const live = tables.sessions.filter((s) => s.userId === userId && s.revokedAt === null && s.id !== keepId);
      for (const session of live) session.revokedAt = at;
      return { count: live.length };
    },
    async purgeDead(at: Date, idleSince: Date) {
      const before = tables.sessions.length;
      tables.sessions = tables.sessions.filter((s) => !(s.expiresAt < at || s.revokedAt !== null || s.lastSeenAt <= idleSince));
      return { count: before - tables.sessions.length };
    },
    async storeIdToken(id: string, idToken: string) {
      const session = sessionById(id);
      if (!session) throw notFound();
      session.oidcIdToken = idToken;
      return clone(session);
    },
    async markAuthenticated(id: string, at: Date) {
      const session = sessionById(id);
      if (!session) throw notFound();
      session.authenticatedAt = at;
      return clone(session);
    },
  };

  const linkedAccounts = {
    async findWithUser(issuer: string, subject: string) {
      const link = tables.linkedAccounts.find((row) => row.issuer === issuer && row.subject === subject);
      const user = link ? userById(link.userId) : null;
      return link && user ? clone({ ...link, user }) : null;
    },
    listOfUser: async (userId: string) => clone(tables.linkedAccounts.filter((row) => row.userId === userId)),
    async recordLogin(id: string, email: string | null, at: Date) {
      const link = tables.linkedAccounts.find((row) => row.id === id);
      if (!link) throw notFound();
      link.lastLoginAt = at;
      if (email) link.email = email;
      return clone(link);
    },
    async create(data: Data<LinkedAccount>) {
      const link = assign(
        {
          id: crypto.randomUUID(),
          userId: '',
          provider: '',
          issuer: '',
          subject: '',
          email: null,
          createdAt: now(),
          lastLoginAt: null,
        } satisfies LinkedAccount,
        data,
      );
      if (tables.linkedAccounts.some((row) => row.issuer === link.issuer && row.subject === link.subject)) {
        throw uniqueViolation('LinkedAccount', ['issuer', 'subject']);
      }
      tables.linkedAccounts.push(link);
      return clone(link);
    },
    async deleteOfUser(id: string, userId: string) {
      const before = tables.linkedAccounts.length;
      tables.linkedAccounts = tables.linkedAccounts.filter((row) => !(row.id === id && row.userId === userId));
      return tables.linkedAccounts.length < before;
    },
  };

  const oidcTransactions = {
    async markUsed(id: string, expiresAt: Date) {
      if (tables.oidcTransactions.some((row) => row.id === id)) return false;
      tables.oidcTransactions.push({ id, expiresAt });
      return true;
    },
    async purgeExpired(at: Date) {
      const before = tables.oidcTransactions.length;
      tables.oidcTransactions = tables.oidcTransactions.filter((row) => !(row.expiresAt < at));
      return { count: before - tables.oidcTransactions.length };
    },
  };

  const voidWhere = (at: Date, where: (token: PasswordToken) => boolean) => {
    const hit = tables.passwordTokens.filter((token) => token.usedAt === null && where(token));
    for (const token of hit) token.usedAt = at;
    return { count: hit.length };
  };
  const passwordTokens = {
    async create(data: Data<PasswordToken>) {
      const token = assign(
        {
          id: crypto.randomUUID(),
          userId: '',
          tokenHash: '',
          purpose: 'reset',
          email: null,
          createdAt: now(),
          expiresAt: now(),
          usedAt: null,
        } satisfies PasswordToken,
        data,
      );
      if (tables.passwordTokens.some((row) => row.tokenHash === token.tokenHash)) throw uniqueViolation('PasswordToken', ['tokenHash']);
      tables.passwordTokens.push(token);
      return clone(token);
    },
    async replaceForUser(data: Data<PasswordToken>, at: Date) {
      const purposes = data.purpose === 'verify' ? ['verify'] : ['setup', 'reset'];
      voidWhere(at, (token) => token.userId === data.userId && purposes.includes(token.purpose));
      return passwordTokens.create(data);
    },
    voidAllForUser: async (userId: string, at: Date) => voidWhere(at, (token) => token.userId === userId),
    voidPasswordLinks: async (userId: string, at: Date) => voidWhere(at, (token) => token.userId === userId && token.purpose !== 'verify'),
    voidVerifyLinks: async (userId: string, email: string, at: Date) =>
      voidWhere(at, (token) => token.userId === userId && token.purpose === 'verify' && token.email === email),
    findByHash: async (tokenHash: string) => clone(tables.passwordTokens.find((row) => row.tokenHash === tokenHash) ?? null),
    async consume(id: string, purposes: readonly string[], at: Date) {
      const token = tables.passwordTokens.find(
        (row) => row.id === id && row.usedAt === null && row.expiresAt > at && purposes.includes(row.purpose) && userById(row.userId)?.isActive,
      );
      if (token) token.usedAt = at;
      return token !== undefined;
    },
  };

  const rateLimitRow = (key: string) => tables.rateLimits.find((row) => row.key === key) ?? null;
  const isSpent = (row: RateLimitRow, at: Date) => row.expiresAt <= at;
  const toWindow = (row: RateLimitRow): WindowCount => ({
    count: row.count,
    expiresAt: row.expiresAt,
    lastFailureAt: row.lastFailureAt,
    lockedUntil: row.lockedUntil,
  });
  const maxDate = (a: Date, b: Date) => (a > b ? a : b);
  /** The key's row, created or restarted as a new window of one when it has none or it is spent. */
  const liveRow = (key: string, at: Date, windowMs: number): { row: RateLimitRow; isNew: boolean } => {
    let row = rateLimitRow(key);
    if (row && !isSpent(row, at)) return { row, isNew: false };
    if (!row) {
      row = { key, count: 0, windowStart: at, expiresAt: at, lastFailureAt: null, lockedUntil: null };
      tables.rateLimits.push(row);
    }
    Object.assign(row, { count: 1, windowStart: at, expiresAt: new Date(at.getTime() + windowMs), lastFailureAt: null, lockedUntil: null });
    return { row, isNew: true };
  };
  const release = async (keys: readonly string[]) => {
    for (const key of keys) {
      const row = rateLimitRow(key);
      if (row && row.count > 0) row.count -= 1;
    }
  };
  const rateLimits = {
    async increment(key: string, at: Date, windowMs: number, opts: { isFailure?: boolean; lock?: { atCount: number; until: Date } } = {}) {
      const lockAt = opts.lock?.atCount ?? Number.MAX_SAFE_INTEGER;
      const lockUntil = opts.lock?.until ?? at;
      const windowEnd = new Date(at.getTime() + windowMs);
      let row = rateLimitRow(key);
      if (!row) {
        row = { key, count: 0, windowStart: at, expiresAt: windowEnd, lastFailureAt: null, lockedUntil: null };
        tables.rateLimits.push(row);
      }
      const spent = row.count === 0 || isSpent(row, at);
      row.count = spent ? 1 : row.count + 1;
      if (spent) {
        row.windowStart = at;
        row.expiresAt = windowEnd;
        row.lockedUntil = null;
      }
      if (opts.isFailure) row.lastFailureAt = at;
      if (row.count >= lockAt) {
        row.lockedUntil = lockUntil;
        row.expiresAt = maxDate(row.expiresAt, lockUntil);
      }
      return toWindow(row);
    },
    async reserve(entries: readonly ReserveEntry[], at: Date) {
      const reserved = new Map<string, WindowCount>();
      for (const entry of entries) {
        const { row, isNew } = liveRow(entry.key, at, entry.windowMs);
        if (!isNew) {
          if ((row.lockedUntil !== null && row.lockedUntil > at) || row.count >= entry.limit) continue;
          row.count += 1;
        }
        reserved.set(entry.key, toWindow(row));
      }
      return reserved;
    },
    release,
    async settleSuccess(clear: readonly string[], released: readonly string[]) {
      tables.rateLimits = tables.rateLimits.filter((row) => !clear.includes(row.key));
      await release(released);
    },
    async stampFailures(entries: readonly FailureEntry[], at: Date) {
      for (const entry of entries) {
        const { row } = liveRow(entry.key, at, entry.windowMs);
        row.lastFailureAt = at;
        if (row.count >= entry.lockAt) {
          row.lockedUntil = entry.lockUntil;
          row.expiresAt = maxDate(row.expiresAt, entry.lockUntil);
        }
      }
    },
    async readMany(keys: readonly string[], at: Date) {
      return new Map(tables.rateLimits.filter((row) => keys.includes(row.key) && row.expiresAt > at).map((row) => [row.key, toWindow(row)]));
    },
    async clear(key: string) {
      tables.rateLimits = tables.rateLimits.filter((row) => row.key !== key);
    },
    async purgeExpired(at: Date) {
      const before = tables.rateLimits.length;
      tables.rateLimits = tables.rateLimits.filter((row) => !(row.expiresAt < at));
      return { count: before - tables.rateLimits.length };
    },
  };

  const auditEvents = {
    async create(data: Data<AuditEvent>) {
      const event = assign(
        {
          id: nextAuditId++,
          createdAt: now(),
          type: '',
          actorType: 'system',
          actorId: null,
          actorEmail: null,
          userId: null,
          userEmail: null,
          method: null,
          provider: null,
          ipAddress: null,
          details: {},
        } satisfies AuditEvent,
        data,
      );
      tables.auditEvents.push(event);
      return clone(event);
    },
    async list(query: { userId?: string; type?: string; before?: bigint; limit: number }) {
      return clone(
        tables.auditEvents
          .filter((event) => query.userId === undefined || event.userId === query.userId || event.actorId === query.userId)
          .filter((event) => query.type === undefined || event.type === query.type)
          .filter((event) => query.before === undefined || event.id < query.before)
          .sort((a, b) => (a.id < b.id ? 1 : -1))
          .slice(0, query.limit),
      );
    },
    async deleteOlderThan(cutoff: Date) {
      const before = tables.auditEvents.length;
      tables.auditEvents = tables.auditEvents.filter((event) => !(event.createdAt < cutoff));
      return { count: before - tables.auditEvents.length };
    },
  };

  const totpOf = (userId: string) => tables.totpFactors.find((factor) => factor.userId === userId) ?? null;
  const totpFactors = {
    find: async (userId: string) => clone(totpOf(userId)),
    async saveUnconfirmed(userId: string, secretEncrypted: string, at: Date) {
      const factor = totpOf(userId);
      if (factor?.confirmedAt) return false;
      if (factor) Object.assign(factor, { secretEncrypted, createdAt: at, lastUsedStep: null });
      else tables.totpFactors.push({ userId, secretEncrypted, confirmedAt: null, lastUsedStep: null, createdAt: at });
      return true;
    },
    async confirm(userId: string, step: bigint, at: Date) {
      const factor = totpOf(userId);
      if (!factor || factor.confirmedAt) return false;
      Object.assign(factor, { confirmedAt: at, lastUsedStep: step });
      return true;
    },
    async useStep(userId: string, step: bigint) {
      const factor = totpOf(userId);
      if (!factor?.confirmedAt || (factor.lastUsedStep !== null && factor.lastUsedStep >= step)) return false;
      factor.lastUsedStep = step;
      return true;
    },
    async remove(userId: string) {
      const before = tables.totpFactors.length;
      tables.totpFactors = tables.totpFactors.filter((factor) => factor.userId !== userId);
      return tables.totpFactors.length < before;
    },
  };

  const recoveryCodes = {
    async replaceAll(userId: string, codeHashes: readonly string[], at: Date) {
      tables.recoveryCodes = tables.recoveryCodes.filter((code) => code.userId !== userId);
      for (const codeHash of codeHashes) tables.recoveryCodes.push({ id: crypto.randomUUID(), userId, codeHash, usedAt: null, createdAt: at });
    },
    async use(userId: string, codeHash: string, at: Date) {
      const code = tables.recoveryCodes.find((row) => row.userId === userId && row.codeHash === codeHash && row.usedAt === null);
      if (code) code.usedAt = at;
      return code !== undefined;
    },
    countUnused: async (userId: string) => tables.recoveryCodes.filter((code) => code.userId === userId && code.usedAt === null).length,
    async removeAll(userId: string) {
      const before = tables.recoveryCodes.length;
      tables.recoveryCodes = tables.recoveryCodes.filter((code) => code.userId !== userId);
      return { count: before - tables.recoveryCodes.length };
    },
  };

  const pendingById = (id: string) => tables.pendingSignIns.find((row) => row.id === id) ?? null;
  const pendingSignIns = {
    async create(data: Data<PendingSignIn>) {
      const row = assign(
        {
          id: crypto.randomUUID(),
          userId: '',
          transport: 'cookie',
          authMethod: 'password',
          groups: [],
          oidcIdToken: null,
          failedAttempts: 0,
          createdAt: now(),
          expiresAt: now(),
          completedAt: null,
        } satisfies PendingSignIn,
        data,
      );
      tables.pendingSignIns.push(row);
      return clone(row);
    },
    find: async (id: string) => clone(pendingById(id)),
    async recordFailure(id: string) {
      const row = pendingById(id);
      if (row) row.failedAttempts += 1;
      return { count: row ? 1 : 0 };
    },
    async complete(id: string, at: Date, maxFailures: number) {
      const row = pendingById(id);
      if (!row || row.completedAt !== null || row.expiresAt <= at || row.failedAttempts >= maxFailures) return false;
      row.completedAt = at;
      return true;
    },
    async voidAllForUser(userId: string, at: Date) {
      const open = tables.pendingSignIns.filter((row) => row.userId === userId && row.completedAt === null);
      for (const row of open) row.expiresAt = at;
      return { count: open.length };
    },
    async purgeDead(at: Date) {
      const before = tables.pendingSignIns.length;
      tables.pendingSignIns = tables.pendingSignIns.filter((row) => !(row.expiresAt < at || row.completedAt !== null));
      return { count: before - tables.pendingSignIns.length };
    },
  };

  const passkeyById = (id: string) => tables.passkeys.find((row) => row.id === id) ?? null;
  const passkeys = {
    listOfUser: async (userId: string) => clone(tables.passkeys.filter((row) => row.userId === userId)),
    countOfUser: async (userId: string) => tables.passkeys.filter((row) => row.userId === userId).length,
    findByCredentialId: async (credentialId: string) => clone(tables.passkeys.find((row) => row.credentialId === credentialId) ?? null),
    async create(data: Data<Passkey>) {
      if (tables.passkeys.some((row) => row.credentialId === data.credentialId)) throw uniqueViolation('Passkey', ['credential_id']);
      const row = assign(
        {
          id: crypto.randomUUID(),
          userId: '',
          credentialId: '',
          publicKey: new Uint8Array(),
          counter: 0n,
          transports: [],
          name: '',
          backedUp: false,
          createdAt: now(),
          lastUsedAt: null,
        } satisfies Passkey,
        data,
      );
      tables.passkeys.push(row);
      return clone(row);
    },
    async rename(id: string, userId: string, name: string) {
      const row = passkeyById(id);
      if (!row || row.userId !== userId) return null;
      row.name = name;
      return clone(row);
    },
    async remove(id: string, userId: string) {
      const before = tables.passkeys.length;
      tables.passkeys = tables.passkeys.filter((row) => !(row.id === id && row.userId === userId));
      return tables.passkeys.length < before;
    },
    async removeAllOfUser(userId: string) {
      const before = tables.passkeys.length;
      tables.passkeys = tables.passkeys.filter((row) => row.userId !== userId);
      return { count: before - tables.passkeys.length };
    },
    async recordUse(id: string, expectedCounter: bigint, newCounter: bigint, at: Date) {
      const row = passkeyById(id);
      if (!row || row.counter !== expectedCounter) return false;
      Object.assign(row, { counter: newCounter, lastUsedAt: at });
      return true;
    },
  };

  const webauthnChallenges = {
    async create(data: Data<WebauthnChallenge>) {
      const row = assign(
        { challenge: '', purpose: 'sign_in', userId: null, pendingSignInId: null, createdAt: now(), expiresAt: now() } satisfies WebauthnChallenge,
        data,
      );
      tables.webauthnChallenges.push(row);
      return clone(row);
    },
    async consume(challenge: string, at: Date) {
      const row = tables.webauthnChallenges.find((candidate) => candidate.challenge === challenge);
      if (!row || row.expiresAt <= at) return null;
      tables.webauthnChallenges = tables.webauthnChallenges.filter((candidate) => candidate !== row);
      return clone(row);
    },
    async purgeExpired(at: Date) {
      const before = tables.webauthnChallenges.length;
      tables.webauthnChallenges = tables.webauthnChallenges.filter((row) => !(row.expiresAt < at));
      return { count: before - tables.webauthnChallenges.length };
    },
  };

  const apiKeyById = (id: string) => tables.apiKeys.find((row) => row.id === id) ?? null;
  const apiKeys = {
    async create(data: Data<ApiKey>) {
      if (tables.apiKeys.some((row) => row.keyId === data.keyId)) throw uniqueViolation('ApiKey', ['key_id']);
      const row = assign(
        {
          id: crypto.randomUUID(),
          userId: '',
          name: '',
          scope: 'read',
          keyId: '',
          secretHash: '',
          createdAt: now(),
          expiresAt: null,
          lastUsedAt: null,
          lastUsedIp: null,
          revokedAt: null,
        } satisfies ApiKey,
        data,
      );
      tables.apiKeys.push(row);
      return clone(row);
    },
    async findWithUser(keyId: string) {
      const row = tables.apiKeys.find((candidate) => candidate.keyId === keyId);
      const user = row ? userById(row.userId) : null;
      return row && user ? clone({ ...row, user }) : null;
    },
    findById: async (id: string) => clone(apiKeyById(id)),
    listLiveOfUser: async (userId: string) =>
      clone(
        tables.apiKeys.filter((row) => row.userId === userId && row.revokedAt === null).sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime()),
      ),
    async rename(id: string, userId: string, name: string) {
      const row = apiKeyById(id);
      if (!row || row.userId !== userId || row.revokedAt !== null) return null;
      row.name = name;
      return clone(row);
    },
    async revoke(id: string, at: Date, userId?: string) {
      const row = apiKeyById(id);
      if (!row || row.revokedAt !== null || (userId !== undefined && row.userId !== userId)) return null;
      const before = clone(row);
      row.revokedAt = at;
      return before;
    },
    async touch(id: string, at: Date, ip: string | null) {
      const row = apiKeyById(id);
      if (!row) throw notFound();
      Object.assign(row, { lastUsedAt: at, lastUsedIp: ip });
      return clone(row);
    },
  };

  const repos = {
    users,
    sessions,
    linkedAccounts,
    oidcTransactions,
    passwordTokens,
    rateLimits,
    auditEvents,
    totpFactors,
    recoveryCodes,
    pendingSignIns,
    passkeys,
    webauthnChallenges,
    apiKeys,
  } satisfies Record<keyof Repositories, unknown> as unknown as Repositories;
  return {
    ...repos,
    get tables() {
      return tables;
    },
    transactions: () => transactionCount,
    async withTransaction(fn) {
      transactionCount += 1;
      const snapshot = structuredClone(tables);
      try {
        return await fn(repos);
      } catch (error) {
        tables = snapshot;
        throw error;
      }
    },
  };
}
