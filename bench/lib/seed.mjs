// Fills Gatehouse's database before (or while) the server runs, through the built app's own
// database layer, so that it works the same on PGlite and on PostgreSQL.
import bcrypt from 'bcryptjs';
import { REPO_ROOT } from '../../scripts/lib/workspace.mjs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const silentLogger = { info() {}, warn() {}, error() {}, debug() {}, fatal() {}, trace() {} };

const importDist = (file) => import(pathToFileURL(path.join(REPO_ROOT, 'apps/api/dist', file)).href);

async function openMigrated(target) {
  const { openDatabase } = await importDist('db/database.js');
  const { applyMigrations, readMigrationFiles } = await importDist('db/migrate.js');
  const db = await openDatabase(target);
  await applyMigrations(db, readMigrationFiles(path.join(REPO_ROOT, 'prisma/migrations')), silentLogger);
  return db;
}

/**
 * Applies the migrations and creates the account the bench signs in with, plus `extraCount`
 * more (burst-1@…, burst-2@…) and the `otherEmails`, all with the same password: a burst of
 * sign-ins is many people, and one account admits only login_failures_per_account attempts in
 * flight at once. The `adminEmails` among them are administrators.
 */
export async function seedBenchUser(target, { email, password, cost, extraCount = 0, otherEmails = [], adminEmails = [] }) {
  const db = await openMigrated(target);
  try {
    const hashed = await bcrypt.hash(password, cost);
    await db.withConnection((connection) =>
      connection.query(
        `INSERT INTO users (email, hashed_password, is_active, is_verified, is_superuser)
         SELECT e, $2, true, true, e = ANY($3::text[]) FROM unnest($1::text[]) AS e
         ON CONFLICT (email) DO UPDATE SET hashed_password = EXCLUDED.hashed_password`,
        [[email, ...Array.from({ length: extraCount }, (_, i) => burstEmail(i)), ...otherEmails], hashed, adminEmails],
      ),
    );
  } finally {
    await db.close();
  }
}

/** The i-th extra account of seedBenchUser (from 0). */
export function burstEmail(i) {
  return `burst-${i + 1}@example.com`;
}

/**
 * Bulk rows for the large-table scenario, in two set-based statements (generate_series): `users`
 * accounts without a password, each with sessionCount / userCount live sessions; then vacuumed,
 * analysed and checkpointed.
 */
export async function seedManySessions(target, { userCount, sessionCount }) {
  const db = await openMigrated(target);
  const perUser = Math.max(1, Math.round(sessionCount / userCount));
  try {
    await db.withConnection(async (connection) => {
      await connection.exec(`
        INSERT INTO users (email, is_active, is_verified)
          SELECT 'bulk-' || n || '@example.com', true, true FROM generate_series(1, ${userCount}) AS n;
        INSERT INTO sessions (user_id, transport, auth_method, expires_at)
          SELECT u.id, 'bearer', 'password', now() + interval '1 day'
          FROM users u CROSS JOIN generate_series(1, ${perUser})
          WHERE u.email LIKE 'bulk-%';`);
      // Settled, as a database that grew to this size over months is: vacuumed and analysed, its
      // dirty pages written. Otherwise autovacuum and the checkpointer work through the bulk load
      // on the same two cores while the p99 is measured.
      await connection.exec('VACUUM (ANALYZE) users');
      await connection.exec('VACUUM (ANALYZE) sessions');
      await connection.exec('CHECKPOINT');
    });
    const [row] = await db.withConnection((connection) =>
      connection.query('SELECT (SELECT count(*) FROM users)::int AS users, (SELECT count(*) FROM sessions)::int AS sessions'),
    );
    return row;
  } finally {
    await db.close();
  }
}

/** The worker pool of the built app alone: how many bcrypt verifications per second it does. */
export async function measureHashPoolRate({ cost, concurrency, durationS }) {
  const { createPasswordHasher } = await importDist('auth/password-hasher.js');
  // A queue as deep as the load, as the server gets in the bench: this measures throughput, not the bound.
  const hasher = await createPasswordHasher({ cost, queueLimit: concurrency });
  try {
    const hashed = await hasher.hash('correct horse battery staple');
    await Promise.all(Array.from({ length: 4 }, () => hasher.verify('warm up', hashed)));
    let count = 0;
    const startedAt = performance.now();
    const deadline = startedAt + durationS * 1000;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (performance.now() < deadline) {
          await hasher.verify('correct horse battery staple', hashed);
          count += 1;
        }
      }),
    );
    return (count / (performance.now() - startedAt)) * 1000;
  } finally {
    await hasher.close();
  }
}
