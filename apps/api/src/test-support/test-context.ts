/**
 * Integration-test harness: a real database (PGlite in memory, or a fresh database on the
 * Postgres server named by GATEHOUSE_TEST_POSTGRES_URL), migrated by the real migrator, a real
 * password hasher, a log captured in memory and a clock the test can move.
 */
import crypto from 'node:crypto';
import { Writable } from 'node:stream';
import pg from 'pg';
import type { Express } from 'express';
import { createApp } from '../app.js';
import { createPasswordHasher, type PasswordHasher } from '../auth/password-hasher.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config/types.js';
import { buildConfigFromTables } from '../config/load-config.js';
import { createAppContext, type AppContext } from '../context.js';
import { openEmbeddedDatabase, openPostgresDatabase, type Database } from '../db/database.js';
import { applyMigrations, MIGRATIONS_DIR, readMigrationFiles } from '../db/migrate.js';
import { createLogger } from '../logger.js';
import type { Mailer } from '../mail/mailer.js';
import { createServices, type Services } from '../services.js';

export { MIGRATIONS_DIR };
// Read through a variable so this harness is the one place tests look at the environment.
const POSTGRES_ADMIN_URL = process.env.GATEHOUSE_TEST_POSTGRES_URL ?? '';

export const TEST_DB_KIND: 'embedded' | 'postgres' = POSTGRES_ADMIN_URL ? 'postgres' : 'embedded';

export interface TestClock extends Clock {
  advance(ms: number): void;
  set(date: Date): void;
}

export function createTestClock(start = new Date()): TestClock {
  let current = start.getTime();
  return {
    now: () => new Date(current),
    advance: (ms) => {
      current += ms;
    },
    set: (date) => {
      current = date.getTime();
    },
  };
}

type DeepPartial<T> = T extends readonly unknown[] ? T : T extends object ? { -readonly [K in keyof T]?: DeepPartial<T[K]> } : T;

function isPlainTable(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `overrides` laid over `base`, table by table; lists and values replace. */
function mergeTables(base: Record<string, unknown>, overrides: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) continue;
    const current = merged[key];
    merged[key] = isPlainTable(current) && isPlainTable(value) ? mergeTables(current, value) : value;
  }
  return merged;
}

/**
 * A Config for tests, built by the real loader (so the schema's defaults and checks apply) from
 * what every test needs plus the test's own settings.
 */
export function buildTestConfig(overrides: DeepPartial<Config> = {}): Config {
  const base = {
    server: { host: '127.0.0.1', port: 0, trusted_proxies: ['loopback'] },
    auth: {
      token_secret: crypto.randomBytes(32).toString('hex'),
      admin_emails: [],
      registration_enabled: true,
      // The lowest cost the schema allows: tests hash many passwords.
      bcrypt_cost: 10,
      rate_limits: {
        // Test files register many accounts and refuse many OIDC callbacks from one address; those
        // brakes have their own tests (rate-limit/brakes.int.test.ts).
        register_per_client: 10_000,
        oidc_callback_failures_per_client: 10_000,
      },
    },
    misc: { frontend_url: 'http://gatehouse.test' },
  };
  const tables = mergeTables(base, overrides);
  // Config says "no SMTP" with null; a config.toml says it by leaving the table out.
  const notifications = tables['notifications'];
  if (isPlainTable(notifications) && notifications['smtp_config'] === null) delete notifications['smtp_config'];
  return buildConfigFromTables(tables, { name: 'the test configuration' });
}

/** A fresh, empty, migrated database for one test file. */
export async function openTestDatabase(): Promise<{ db: Database; drop: () => Promise<void> }> {
  if (!POSTGRES_ADMIN_URL) {
    const db = await openEmbeddedDatabase('memory://');
    return { db, drop: () => db.close() };
  }
  const name = `gatehouse_test_${crypto.randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  const db = await openPostgresDatabase(url.toString());
  return {
    db,
    drop: async () => {
      await db.close();
      const cleanup = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await cleanup.end();
    },
  };
}

export interface TestContext {
  ctx: AppContext;
  /** The services the app runs on (the same instances: one AuthService, one session cache). */
  services: Services;
  app: Express;
  clock: TestClock;
  /** Everything logged so far, one JSON line each. */
  logText(): string;
  logLines(): Array<Record<string, unknown>>;
  close(): Promise<void>;
}

export interface TestContextOptions {
  config?: DeepPartial<Config>;
  /** bcrypt cost; tests default to the cheapest (4) for speed, the policy is the same. */
  bcryptCost?: number;
  hasher?: (inner: PasswordHasher) => PasswordHasher;
  /** Hashing threads (default 2). */
  hashThreads?: number;
  migrate?: boolean;
  /** Builds the mailer from the test's config (e.g. createMailer(config.notifications.smtp_config!)). */
  mailer?: (config: Config) => Mailer | null;
  mailRetryDelaysMs?: readonly number[];
  /** Serve a built web UI from this directory (default: API only). */
  webDistDir?: string;
}

export async function createTestContext(options: TestContextOptions = {}): Promise<TestContext> {
  const config = buildTestConfig(options.config);
  const chunks: string[] = [];
  const logger = createLogger(
    'debug',
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        chunks.push(chunk.toString('utf8'));
        callback();
      },
    }),
  );
  const clock = createTestClock();
  const { db, drop } = await openTestDatabase();
  const innerHasher = await createPasswordHasher({
    cost: options.bcryptCost ?? 4,
    maxThreads: options.hashThreads ?? 2,
    queueLimit: config.auth.password_hash_queue_limit,
  });
  const passwordHasher = options.hasher ? options.hasher(innerHasher) : innerHasher;
  const migrations = readMigrationFiles(MIGRATIONS_DIR);
  const ctx = createAppContext({
    config,
    db,
    logger,
    clock,
    passwordHasher,
    mailer: options.mailer ? options.mailer(config) : null,
    mailRetryDelaysMs: options.mailRetryDelaysMs ?? [],
    version: 'test',
    webDistDir: options.webDistDir ?? null,
    migrations,
  });
  if (options.migrate !== false) {
    await applyMigrations(db, migrations, logger);
  }
  const services = createServices(ctx);
  return {
    ctx,
    services,
    app: createApp(ctx, services),
    clock,
    logText: () => chunks.join(''),
    logLines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    close: async () => {
      await ctx.tasks.idle();
      ctx.mailer?.close();
      await innerHasher.close();
      await drop();
    },
  };
}
