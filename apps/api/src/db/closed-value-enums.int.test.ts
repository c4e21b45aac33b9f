import { afterEach, describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import type { Database } from './database.js';
import { applyMigrations, MIGRATIONS_DIR, readMigrationFiles } from './migrate.js';
import { openTestDatabase } from '../test-support/test-context.js';

const silent = pino({ level: 'silent' });
const ENUM_MIGRATION = '20261206000000_closed_value_enums';
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function databaseMigratedUpTo(name: string): Promise<Database> {
  const { db, drop } = await openTestDatabase();
  cleanups.push(drop);
  await applyMigrations(
    db,
    readMigrationFiles(MIGRATIONS_DIR).filter((file) => file.name < name),
    silent,
  );
  return db;
}

const exec = (db: Database, sql: string) => db.withConnection((c) => c.exec(sql));

describe('the closed-value enums migration', () => {
  it('upgrades a database that already has rows, keeping every value', async () => {
    const db = await databaseMigratedUpTo(ENUM_MIGRATION);
    await exec(
      db,
      `INSERT INTO users (id, email) VALUES ('00000000-0000-4000-8000-000000000001', 'old@example.com');
       INSERT INTO sessions (user_id, transport, auth_method, expires_at) VALUES
         ('00000000-0000-4000-8000-000000000001', 'cookie', 'password', now() + interval '1 day'),
         ('00000000-0000-4000-8000-000000000001', 'bearer', 'password', now() + interval '1 day');
       INSERT INTO password_tokens (user_id, token_hash, purpose, email, expires_at) VALUES
         ('00000000-0000-4000-8000-000000000001', 'h1', 'setup', NULL, now()),
         ('00000000-0000-4000-8000-000000000001', 'h2', 'reset', 'old@example.com', now()),
         ('00000000-0000-4000-8000-000000000001', 'h3', 'verify', 'old@example.com', now());
       INSERT INTO audit_events (type, actor_type) VALUES
         ('sign_out', 'user'), ('admin.user_created', 'cli'), ('admin.user_updated', 'system'), ('sign_in.failed', 'anonymous');`,
    );
    const result = await applyMigrations(db, readMigrationFiles(MIGRATIONS_DIR), silent);
    expect(result.applied[0]).toBe(ENUM_MIGRATION);

    const { prisma } = db;
    expect((await prisma.session.findMany({ orderBy: { transport: 'asc' } })).map((s) => s.transport).sort()).toEqual(['bearer', 'cookie']);
    expect((await prisma.passwordToken.findMany()).map((t) => t.purpose).sort()).toEqual(['reset', 'setup', 'verify']);
    expect((await prisma.auditEvent.findMany()).map((e) => e.actorType).sort()).toEqual(['anonymous', 'cli', 'system', 'user']);
    // The client filters by them as before.
    expect(await prisma.passwordToken.count({ where: { purpose: { in: ['setup', 'reset'] } } })).toBe(2);
    expect(await prisma.session.count({ where: { transport: 'bearer' } })).toBe(1);
  });

  it('refuses values outside each set, and still a verify link without an address', async () => {
    const db = await databaseMigratedUpTo('99999999');
    await exec(db, `INSERT INTO users (id, email) VALUES ('00000000-0000-4000-8000-000000000002', 'new@example.com')`);
    const user = "'00000000-0000-4000-8000-000000000002'";
    await expect(
      exec(db, `INSERT INTO sessions (user_id, transport, auth_method, expires_at) VALUES (${user}, 'pigeon', 'password', now())`),
    ).rejects.toThrow(/session_transport/);
    await expect(
      exec(db, `INSERT INTO password_tokens (user_id, token_hash, purpose, expires_at) VALUES (${user}, 'x1', 'unlock', now())`),
    ).rejects.toThrow(/password_token_purpose/);
    await expect(
      exec(db, `INSERT INTO password_tokens (user_id, token_hash, purpose, expires_at) VALUES (${user}, 'x2', 'verify', now())`),
    ).rejects.toThrow(/password_tokens_verify_email_check/);
    await expect(exec(db, `INSERT INTO audit_events (type, actor_type) VALUES ('sign_out', 'robot')`)).rejects.toThrow(/audit_actor_type/);
  });
});
