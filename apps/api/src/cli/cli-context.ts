import fs from 'node:fs';
import { createPasswordHasher, type PasswordHasher } from '../auth/password-hasher.js';
import type { Config } from '../config/types.js';
import { createAppContext, type AppContext } from '../context.js';
import { openDatabase, resolveDatabaseTarget, type Database } from '../db/database.js';
import { readMigrationFiles, readMigrationStatus } from '../db/migrate.js';
import { createLogger } from '../logger.js';
import type { Mailer } from '../mail/mailer.js';
import { createServices, type Services } from '../services.js';

export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** What every command gets: where it runs and the files that ship with Gatehouse. */
export interface CliEnvironment {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly migrationsDir: string;
  readonly version: string;
  out(text: string): void;
  err(text: string): void;
}

/** bcrypt workers start only when a command really hashes (most never do). */
function createLazyPasswordHasher(cost: number): PasswordHasher & { isStarted(): boolean } {
  let started: Promise<PasswordHasher> | undefined;
  const get = () => (started ??= createPasswordHasher({ cost, maxThreads: 1 }));
  return {
    hash: async (password) => (await get()).hash(password),
    verify: async (password, hashed) => (await get()).verify(password, hashed),
    verifyDummy: async (password) => (await get()).verifyDummy(password),
    isStarted: () => started !== undefined,
    async close() {
      if (started) await (await started).close();
    },
  };
}

export async function openCliDatabase(config: Config, cwd: string): Promise<Database> {
  const target = resolveDatabaseTarget(config.database, cwd);
  if (target.kind === 'embedded' && !fs.existsSync(target.dataDir)) {
    throw new CliError(
      `There is no embedded database at ${target.dataDir} yet. Start Gatehouse once (or run \`gatehouse migrate\`) ` +
        'in the directory it runs in, or pass the same --config.',
    );
  }
  return openDatabase(target);
}

/**
 * The services' context for one command against the configured database, which must be fully
 * migrated (the CLI never changes the schema behind the operator's back, except `migrate`).
 */
export async function openCliContext(
  cli: CliEnvironment,
  config: Config,
  options: { mailer?: Mailer | null } = {},
): Promise<{ ctx: AppContext; services: Services; close: () => Promise<void> }> {
  const db = await openCliDatabase(config, cli.cwd);
  const migrationFiles = readMigrationFiles(cli.migrationsDir);
  const pending = (await readMigrationStatus(db, migrationFiles)).filter((m) => m.appliedAt === null);
  if (pending.length > 0) {
    await db.close();
    throw new CliError(
      `The database has ${pending.length} pending migration(s) (${pending.map((m) => m.name).join(', ')}). ` +
        'Run `gatehouse migrate` first (Gatehouse also applies them when it starts).',
    );
  }
  // Service log lines go to stderr, warnings and worse only: stdout is the command's answer.
  const logger = createLogger('warn', { write: (line: string) => cli.err(line) });
  const passwordHasher = createLazyPasswordHasher(config.auth.bcrypt_cost);
  const ctx = createAppContext({
    config,
    db,
    logger,
    passwordHasher,
    mailer: options.mailer ?? null,
    version: cli.version,
    migrations: migrationFiles,
  });
  return {
    ctx,
    services: createServices(ctx),
    async close() {
      await ctx.tasks.idle();
      await passwordHasher.close();
      await db.close();
    },
  };
}
