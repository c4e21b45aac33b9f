import { afterEach, describe, expect, it } from '@jest/globals';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { openPostgresDatabase, type Database } from './database.js';
import { applyMigrations, MIGRATION_LOCK_KEY, MigrationError, readMigrationFiles } from './migrate.js';
import { MIGRATIONS_DIR, TEST_DB_KIND, openTestDatabase } from '../test-support/test-context.js';

const silent = pino({ level: 'silent' });
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function freshDatabase(): Promise<Database> {
  const { db, drop } = await openTestDatabase();
  cleanups.push(drop);
  return db;
}

function tempMigrations(extra: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-migrations-'));
  fs.cpSync(MIGRATIONS_DIR, dir, { recursive: true });
  for (const [name, sql] of Object.entries(extra)) {
    fs.mkdirSync(path.join(dir, name));
    fs.writeFileSync(path.join(dir, name, 'migration.sql'), sql);
  }
  cleanups.push(async () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

interface MigrationRow extends Record<string, unknown> {
  id: string;
  checksum: string;
  migration_name: string;
  finished_at: unknown;
  rolled_back_at: unknown;
  applied_steps_count: number;
  logs: string | null;
}

const readRows = (db: Database) => db.withConnection((c) => c.query<MigrationRow>('SELECT * FROM "_prisma_migrations" ORDER BY migration_name'));

describe('start-up migrations', () => {
  it('applies every migration once and records it as prisma migrate deploy does', async () => {
    const db = await freshDatabase();
    const files = readMigrationFiles(MIGRATIONS_DIR);
    expect(files.length).toBeGreaterThan(0);
    const first = await applyMigrations(db, files, silent);
    expect(first.applied).toEqual(files.map((f) => f.name));
    const rows = await readRows(db);
    expect(rows).toHaveLength(files.length);
    for (const [i, row] of rows.entries()) {
      const file = files[i]!;
      const sql = fs.readFileSync(path.join(MIGRATIONS_DIR, file.name, 'migration.sql'));
      expect(row.migration_name).toBe(file.name);
      expect(row.checksum).toBe(crypto.createHash('sha256').update(sql).digest('hex'));
      expect(row.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(row.finished_at).not.toBeNull();
      expect(row.rolled_back_at).toBeNull();
      expect(row.applied_steps_count).toBe(1);
    }
    const second = await applyMigrations(db, files, silent);
    expect(second.applied).toEqual([]);
    expect(second.alreadyApplied).toEqual(files.map((f) => f.name));
    expect(await readRows(db)).toHaveLength(files.length);
  });

  it('creates tables every model of the Prisma schema can use', async () => {
    const db = await freshDatabase();
    await applyMigrations(db, readMigrationFiles(MIGRATIONS_DIR), silent);
    const { prisma } = db;
    const user = await prisma.user.create({ data: { email: 'schema@example.com', username: 'schema', displayName: 'S' } });
    await prisma.session.create({
      data: { userId: user.id, transport: 'cookie', authMethod: 'password', expiresAt: new Date(Date.now() + 1000) },
    });
    await prisma.linkedAccount.create({
      data: { userId: user.id, provider: 'Authentik', issuer: 'https://idp.example', subject: 'abc', email: 'schema@example.com' },
    });
    await prisma.passwordToken.create({
      data: { userId: user.id, tokenHash: 'h', purpose: 'reset', expiresAt: new Date(Date.now() + 1000) },
    });
    await prisma.rateLimit.create({
      data: { key: 'k', count: 1, windowStart: new Date(), expiresAt: new Date(Date.now() + 1000) },
    });
    await prisma.totpFactor.create({ data: { userId: user.id, secretEncrypted: 'v1.x.y.z', lastUsedStep: 59_000_000n } });
    await prisma.recoveryCode.create({ data: { userId: user.id, codeHash: 'h' } });
    await expect(prisma.recoveryCode.create({ data: { userId: user.id, codeHash: 'h' } })).rejects.toMatchObject({ code: 'P2002' });
    await prisma.passkey.create({
      data: { userId: user.id, credentialId: 'cred', publicKey: new Uint8Array([1, 2, 3]), name: 'Key', transports: ['internal'] },
    });
    await expect(
      prisma.passkey.create({ data: { userId: user.id, credentialId: 'cred', publicKey: new Uint8Array([4]), name: 'Copy' } }),
    ).rejects.toMatchObject({ code: 'P2002' });
    await prisma.webauthnChallenge.create({ data: { challenge: 'c', purpose: 'register', userId: user.id, expiresAt: new Date(Date.now() + 1000) } });
    await prisma.pendingSignIn.create({
      data: { userId: user.id, transport: 'bearer', authMethod: 'password', groups: ['a'], expiresAt: new Date(Date.now() + 1000) },
    });
    await expect(
      prisma.linkedAccount.create({
        data: { userId: user.id, provider: 'Other', issuer: 'https://idp.example', subject: 'abc' },
      }),
    ).rejects.toMatchObject({ code: 'P2002' });
    // Deleting a user takes its sessions, links, tokens and second factors with it.
    await prisma.user.delete({ where: { id: user.id } });
    expect(await prisma.totpFactor.count()).toBe(0);
    expect(await prisma.recoveryCode.count()).toBe(0);
    expect(await prisma.pendingSignIn.count()).toBe(0);
    expect(await prisma.passkey.count()).toBe(0);
    expect(await prisma.webauthnChallenge.count()).toBe(0);
    expect(await prisma.session.count()).toBe(0);
    expect(await prisma.linkedAccount.count()).toBe(0);
    expect(await prisma.passwordToken.count()).toBe(0);
  });

  it('rolls a failing migration back completely, stops with a clear message, and retries once fixed', async () => {
    const db = await freshDatabase();
    const dir = tempMigrations({
      '29990101000000_broken': 'CREATE TABLE "half_done" (id INT);\nSELECT no_such_function();\n',
    });
    const error = await applyMigrations(db, readMigrationFiles(dir), silent).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as Error).message).toContain('29990101000000_broken');
    expect((error as Error).message).toMatch(/no_such_function/);
    const [row] = await db.withConnection((c) => c.query<{ exists: boolean }>("SELECT to_regclass('public.half_done') IS NOT NULL AS exists"));
    expect(row?.exists).toBe(false);
    const broken = (await readRows(db)).find((r) => r.migration_name === '29990101000000_broken')!;
    expect(broken.finished_at).toBeNull();
    expect(broken.rolled_back_at).not.toBeNull();
    expect(broken.logs).toMatch(/no_such_function/);

    fs.writeFileSync(path.join(dir, '29990101000000_broken', 'migration.sql'), 'CREATE TABLE "half_done" (id INT);\n');
    const retried = await applyMigrations(db, readMigrationFiles(dir), silent);
    expect(retried.applied).toEqual(['29990101000000_broken']);
  });

  it('refuses to start on a migration that started but never finished', async () => {
    const db = await freshDatabase();
    await applyMigrations(db, readMigrationFiles(MIGRATIONS_DIR), silent);
    await db.withConnection((c) =>
      c.query('INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at) VALUES ($1, $2, $3, now())', [
        crypto.randomUUID(),
        'x'.repeat(64),
        '29990101000000_crashed',
      ]),
    );
    await expect(applyMigrations(db, readMigrationFiles(MIGRATIONS_DIR), silent)).rejects.toThrow(
      /29990101000000_crashed started earlier but never finished/,
    );
  });

  // Two replicas are two processes with their own connections: only a database server has that.
  if (TEST_DB_KIND === 'postgres') {
    it('applies each migration once when replicas start together (advisory lock)', async () => {
      const first = await freshDatabase();
      const url = (first as Database & { description: string }).description;
      expect(url).toMatch(/^postgres/);
      const replicas = await Promise.all(
        Array.from({ length: 4 }, () => openPostgresDatabase(process.env.GATEHOUSE_TEST_POSTGRES_URL!.replace(/\/[^/]*$/, new URL(url).pathname))),
      );
      cleanups.push(async () => {
        await Promise.all(replicas.map((r) => r.close()));
      });
      const files = readMigrationFiles(MIGRATIONS_DIR);
      const results = await Promise.all(replicas.map((replica) => applyMigrations(replica, files, silent)));
      const appliedCounts = results.map((r) => r.applied.length).sort();
      expect(appliedCounts).toEqual([0, 0, 0, files.length]);
      expect(await readRows(first)).toHaveLength(files.length);
      // The lock is released afterwards.
      const [lock] = await first.withConnection((c) =>
        c.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [MIGRATION_LOCK_KEY]),
      );
      expect(lock?.locked).toBe(true);
    });
  }
});
