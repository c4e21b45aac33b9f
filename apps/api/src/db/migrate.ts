import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Database, SqlConnection } from './database.js';
import type { Logger } from '../logger.js';

/**
 * Applies prisma/migrations/<id>/migration.sql at start-up, recording each in `_prisma_migrations`
 * exactly as `prisma migrate deploy` does (same table, same SHA-256 checksum, same advisory lock
 * key), so a database Gatehouse migrated can later be handled by the Prisma CLI and vice versa.
 * Prisma's migration engine cannot be downloaded in an air-gapped homelab; this needs none.
 */

/** prisma/migrations at the repository root (the same depth from src/db and dist/db). */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../../../../prisma/migrations', import.meta.url));

/** The key Prisma Migrate itself locks on, so Gatehouse and the Prisma CLI exclude each other. */
export const MIGRATION_LOCK_KEY = 72707369;

const CREATE_MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

export interface MigrationFile {
  name: string;
  sql: string;
  checksum: string;
}

export class MigrationError extends Error {
  override name = 'MigrationError';
}

interface MigrationRow extends Record<string, unknown> {
  migration_name: string;
  checksum: string;
  finished_at: Date | string | null;
  rolled_back_at: Date | string | null;
}

export function readMigrationFiles(migrationsDir: string): MigrationFile[] {
  if (!fs.existsSync(migrationsDir)) {
    throw new MigrationError(`Migrations directory not found: ${migrationsDir}`);
  }
  return fs
    .readdirSync(migrationsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
    .flatMap((name) => {
      const file = path.join(migrationsDir, name, 'migration.sql');
      if (!fs.existsSync(file)) return [];
      const sql = fs.readFileSync(file, 'utf8');
      return [{ name, sql, checksum: crypto.createHash('sha256').update(sql).digest('hex') }];
    });
}

export interface MigrationResult {
  applied: string[];
  alreadyApplied: string[];
}

/**
 * Applies pending migrations under a Postgres advisory lock, so that replicas starting together
 * apply each migration exactly once: the second waits, then finds nothing left to do.
 * `afterMigrate` runs while the lock is still held (first-start admin bootstrap uses it).
 */
export async function applyMigrations(
  db: Database,
  migrations: readonly MigrationFile[],
  logger: Logger,
  afterMigrate?: () => Promise<void>,
): Promise<MigrationResult> {
  return db.withConnection(async (connection) => {
    await connection.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      const result = await applyPending(connection, migrations, logger);
      if (afterMigrate) await afterMigrate();
      return result;
    } finally {
      await connection.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  });
}

export interface MigrationStatus {
  name: string;
  /** When it was applied, or null while it is pending. */
  appliedAt: Date | null;
}

/** Which of the migrations the database has applied (for `gatehouse migrate status` and doctor). */
export async function readMigrationStatus(db: Database, migrations: readonly MigrationFile[]): Promise<MigrationStatus[]> {
  return db.withConnection(async (connection) => {
    const [table] = await connection.query<{ name: string | null }>(`SELECT to_regclass('"_prisma_migrations"')::text AS name`);
    const rows = table?.name
      ? await connection.query<MigrationRow>(
          'SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations" WHERE finished_at IS NOT NULL',
        )
      : [];
    const applied = new Map(rows.map((row) => [row.migration_name, row.finished_at]));
    return migrations.map((migration) => {
      const finishedAt = applied.get(migration.name);
      return { name: migration.name, appliedAt: finishedAt ? new Date(finishedAt) : null };
    });
  });
}

/**
 * Names of the migrations the database has finished (for readiness). Throws when there is no
 * migrations table yet (a first start still migrating).
 */
export async function listAppliedMigrationNames(db: Database): Promise<Set<string>> {
  const rows = await db.prisma.$queryRaw<{ migration_name: string }[]>`
    SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`;
  return new Set(rows.map((row) => row.migration_name));
}

async function applyPending(connection: SqlConnection, migrations: readonly MigrationFile[], logger: Logger): Promise<MigrationResult> {
  await connection.exec(CREATE_MIGRATIONS_TABLE);
  const rows = await connection.query<MigrationRow>(
    'SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations" ORDER BY started_at',
  );

  const failed = rows.find((row) => row.finished_at === null && row.rolled_back_at === null);
  if (failed) {
    throw new MigrationError(
      `Migration ${failed.migration_name} started earlier but never finished, so the database ` +
        'may be half-migrated. Restore a backup, or repair the schema by hand and then set ' +
        `rolled_back_at on its row in "_prisma_migrations" (as \`prisma migrate resolve --rolled-back ${failed.migration_name}\` does).`,
    );
  }

  const applied = new Map(rows.filter((row) => row.finished_at !== null).map((row) => [row.migration_name, row]));
  const known = new Set(migrations.map((m) => m.name));
  const unknown = [...applied.keys()].filter((name) => !known.has(name));
  if (unknown.length > 0) {
    logger.warn({ migrations: unknown }, 'The database has migrations this version of Gatehouse does not know (was it downgraded?)');
  }

  const result: MigrationResult = { applied: [], alreadyApplied: [] };
  for (const migration of migrations) {
    const previous = applied.get(migration.name);
    if (previous) {
      if (previous.checksum !== migration.checksum) {
        logger.warn({ migration: migration.name }, 'Migration file changed after it was applied; the database keeps the version it ran');
      }
      result.alreadyApplied.push(migration.name);
      continue;
    }
    await applyOne(connection, migration);
    logger.info({ migration: migration.name }, 'Applied database migration');
    result.applied.push(migration.name);
  }
  return result;
}

async function applyOne(connection: SqlConnection, migration: MigrationFile): Promise<void> {
  const id = crypto.randomUUID();
  await connection.query(
    'INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count) VALUES ($1, $2, $3, now(), 0)',
    [id, migration.checksum, migration.name],
  );
  try {
    // One transaction per migration: a failing statement leaves nothing half-applied.
    await connection.exec(`BEGIN;\n${migration.sql}\n;COMMIT;`);
  } catch (error) {
    await connection.exec('ROLLBACK').catch(() => undefined);
    const reason = error instanceof Error ? error.message : String(error);
    // Rolled back as a whole, so it may be retried once fixed: record it as Prisma would after
    // `migrate resolve --rolled-back`.
    await connection.query('UPDATE "_prisma_migrations" SET logs = $2, rolled_back_at = now() WHERE id = $1', [id, reason]);
    throw new MigrationError(
      `Database migration ${migration.name} failed and was rolled back: ${reason}. ` +
        'Gatehouse did not start. Check the database server version and permissions, then start again.',
    );
  }
  await connection.query('UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1', [id]);
}
