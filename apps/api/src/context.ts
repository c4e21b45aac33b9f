import type { Config } from './config/types.js';
import type { Database } from './db/database.js';
import type { Logger } from './logger.js';
import type { Clock } from './clock.js';
import type { PasswordHasher } from './auth/password-hasher.js';
import type { BackgroundTasks } from './background-tasks.js';
import type { Mailer } from './mail/mailer.js';

/** Everything a service needs, built once by main.ts (or a test) and passed down. */
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
