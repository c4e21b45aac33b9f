import type { Config } from './config/types.js';
import type { Database } from './db/database.js';
import type { Logger } from './logger.js';
import { systemClock, type Clock } from './clock.js';
import type { PasswordHasher } from './auth/password-hasher.js';
import { createBackgroundTasks, type BackgroundTasks } from './background-tasks.js';
import type { Mailer } from './mail/mailer.js';
import { MIGRATIONS_DIR, readMigrationFiles, type MigrationFile } from './db/migrate.js';
import { readVersion } from './version.js';

/** Everything a service needs, built once by main.ts, the CLI or a test (createAppContext) and passed down. */
export interface AppContext {
  readonly config: Config;
  readonly db: Database;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly passwordHasher: PasswordHasher;
  /** Null when [notifications.smtp_config] is absent: nothing is emailed. */
  readonly mailer: Mailer | null;
  /** Pauses between attempts to deliver an email (the first attempt is immediate). */
  readonly mailRetryDelaysMs: readonly number[];
  readonly tasks: BackgroundTasks;
  readonly version: string;
  /** The built web UI (apps/web/dist), served on the same port; null to serve the API only. */
  readonly webDistDir: string | null;
  /** Names of the migrations this build ships: readiness waits until all are applied. */
  readonly expectedMigrations: readonly string[];
}

/** What each process brings; everything else has one default for all of them. */
export interface AppContextParts extends Pick<AppContext, 'config' | 'db' | 'logger' | 'passwordHasher'> {
  readonly clock?: Clock;
  readonly mailer?: Mailer | null;
  readonly mailRetryDelaysMs?: readonly number[];
  readonly tasks?: BackgroundTasks;
  readonly version?: string;
  readonly webDistDir?: string | null;
  /** The migrations this build ships (default: read from prisma/migrations). */
  readonly migrations?: readonly MigrationFile[];
}

export function createAppContext(parts: AppContextParts): AppContext {
  return {
    config: parts.config,
    db: parts.db,
    logger: parts.logger,
    clock: parts.clock ?? systemClock,
    passwordHasher: parts.passwordHasher,
    mailer: parts.mailer ?? null,
    mailRetryDelaysMs: parts.mailRetryDelaysMs ?? [],
    tasks: parts.tasks ?? createBackgroundTasks(parts.logger),
    version: parts.version ?? readVersion(),
    webDistDir: parts.webDistDir ?? null,
    expectedMigrations: (parts.migrations ?? readMigrationFiles(MIGRATIONS_DIR)).map((migration) => migration.name),
  };
}
