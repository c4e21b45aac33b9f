/**
 * Service unit tests: every service wired by the real composition root (services.ts) over
 * in-memory repositories, a clock the test moves, a plain-text "hasher" and a mailer that records.
 * No database is opened.
 */
import type { Config } from '../config/types.js';
import type { PasswordHasher } from '../auth/password-hasher.js';
import { createAppContext } from '../context.js';
import type { Database } from '../db/database.js';
import { createLogger } from '../logger.js';
import type { Mailer, MailMessage } from '../mail/mailer.js';
import { createServices } from '../services.js';
import { createFakeData } from './fake-repositories.js';
import { buildTestConfig, createTestClock } from './test-context.js';
import type { User } from '../users/repo.js';

type ConfigOverrides = Parameters<typeof buildTestConfig>[0];

/** Hashes are "hashed:<password>": enough to tell right from wrong, instantly. */
export const plainHasher: PasswordHasher = {
  hash: async (password) => `hashed:${password}`,
  verify: async (password, hash) => hash === `hashed:${password}`,
  verifyDummy: async () => undefined,
  close: async () => undefined,
};

export function createRecordingMailer(): Mailer & { sent: MailMessage[] } {
  const sent: MailMessage[] = [];
  return { description: 'fake', sent, send: async (message) => void sent.push(message), verify: async () => undefined, close: () => undefined };
}

export const STRONG = 'correct horse battery staple';

/** Config with an SMTP table, for the flows that behave differently once mail can be sent. */
export const WITH_SMTP: ConfigOverrides = {
  notifications: { smtp_config: { smtp_host: 'smtp.test', smtp_port: 25, smtp_user: '', smtp_password: '', from_email: 'g@example.com' } },
};

export function createUnitServices(options: { config?: ConfigOverrides; mailer?: Mailer | null } = {}) {
  const config: Config = buildTestConfig(options.config);
  const clock = createTestClock(new Date('2026-12-06T12:00:00Z'));
  const data = createFakeData({ now: () => clock.now() });
  const ctx = createAppContext({
    config,
    // Services never reach the database themselves: only through `data`.
    db: null as unknown as Database,
    logger: createLogger('silent'),
    clock,
    passwordHasher: plainHasher,
    mailer: options.mailer ?? null,
    version: 'unit',
    migrations: [],
  });
  const services = createServices(ctx, data);
  return {
    ctx,
    clock,
    data,
    services,
    /** A user row as a fixture would write it (password STRONG unless null). */
    addUser: (input: Partial<User> & { email: string; password?: string | null }) => {
      const { password, ...row } = input;
      return data.users.create({
        isVerified: true,
        ...row,
        hashedPassword: password === null ? null : `hashed:${password ?? STRONG}`,
      });
    },
    auditTypes: () => data.tables.auditEvents.map((event) => event.type),
  };
}

export const CLIENT = { userAgent: 'jest', ipAddress: '203.0.113.7' };
