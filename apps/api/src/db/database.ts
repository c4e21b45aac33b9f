import path from 'node:path';
import fs from 'node:fs';
// Each backend's driver is imported when a database of that kind is opened: a Postgres
// deployment never loads PGlite, and the embedded one never loads pg (about 0.1 s of start-up each).
import { PrismaClient } from '../generated/prisma/client.js';
import type { DatabaseConfig } from '../config/types.js';

/** A single connection that runs raw SQL (migrations, advisory locks). */
export interface SqlConnection {
  /** Runs one or more statements (simple query protocol). */
  exec(sql: string): Promise<void>;
  query<Row extends Record<string, unknown>>(sql: string, params?: unknown[]): Promise<Row[]>;
}

export interface Database {
  readonly kind: 'embedded' | 'postgres';
  /** Where it is, for the log: a directory or a URL without its password. */
  readonly description: string;
  readonly prisma: PrismaClient;
  /** Runs fn on one dedicated connection, released afterwards (session-level locks need one). */
  withConnection<T>(fn: (connection: SqlConnection) => Promise<T>): Promise<T>;
  /** Throws when the database cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface PoolOptions {
  /** Most connections this process opens. */
  readonly size: number;
  /** How long a query waits for a free connection, or for the server to accept a new one. */
  readonly timeoutMs: number;
}

const DEFAULT_POOL: PoolOptions = { size: 10, timeoutMs: 5_000 };

export type DatabaseTarget = { kind: 'embedded'; dataDir: string } | { kind: 'postgres'; url: string; pool?: PoolOptions };

/** [database] with url or host -> Postgres; neither -> the embedded database under data_dir. */
export function resolveDatabaseTarget(config: DatabaseConfig, cwd: string): DatabaseTarget {
  const pool: PoolOptions = { size: config.pool_size, timeoutMs: config.pool_timeout * 1000 };
  if (config.url) return { kind: 'postgres', url: config.url, pool };
  if (config.host) {
    const url = new URL('postgres://placeholder');
    url.hostname = config.host;
    url.port = String(config.port);
    url.username = config.user;
    url.password = config.password;
    url.pathname = `/${config.dbname}`;
    return { kind: 'postgres', url: url.toString(), pool };
  }
  return { kind: 'embedded', dataDir: path.resolve(cwd, config.data_dir, 'pglite') };
}

export function describeUrlWithoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable database URL)';
  }
}

export async function openDatabase(target: DatabaseTarget): Promise<Database> {
  return target.kind === 'embedded' ? openEmbeddedDatabase(target.dataDir) : openPostgresDatabase(target.url, target.pool);
}

/**
 * Postgres settings for PGlite on top of its defaults. Postgres' default 128 MB of shared buffers
 * lives in PGlite's WebAssembly memory and is touched at start, so it is resident from the first
 * second, which roughly doubles a small instance's resident memory compared with 16 MB.
 * Gatehouse's tables are small, and pages not in the buffers come from the OS page cache.
 */
const EMBEDDED_POSTGRES_SETTINGS = ['-c', 'shared_buffers=16MB'];

/**
 * PGlite: Postgres compiled to WebAssembly, in-process. `dataDir` "memory://" keeps it in memory
 * (tests). It has exactly one connection, so withConnection simply uses it.
 */
export async function openEmbeddedDatabase(dataDir: string): Promise<Database> {
  if (!dataDir.startsWith('memory://')) fs.mkdirSync(dataDir, { recursive: true });
  const [{ PGlite }, { PrismaPGlite }] = await Promise.all([import('@electric-sql/pglite'), import('pglite-prisma-adapter')]);
  const pglite = await PGlite.create(dataDir, { startParams: [...PGlite.defaultStartParams, ...EMBEDDED_POSTGRES_SETTINGS] });
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite) });
  const connection: SqlConnection = {
    async exec(sql) {
      await pglite.exec(sql);
    },
    async query<Row extends Record<string, unknown>>(sql: string, params?: unknown[]) {
      const result = await pglite.query<Row>(sql, params);
      return result.rows;
    },
  };
  return {
    kind: 'embedded',
    description: dataDir,
    prisma,
    withConnection: (fn) => fn(connection),
    async ping() {
      await pglite.query('SELECT 1');
    },
    async close() {
      await prisma.$disconnect();
      await pglite.close();
    },
  };
}

/**
 * A pool that fails fast when Postgres is away or every connection is busy: a request waits at
 * most `timeoutMs` for a connection and then gets an error the API answers with 503, instead of
 * queueing without end. Connections that die with the server are dropped and replaced by the
 * next query, so service resumes by itself when Postgres is back.
 */
export async function openPostgresDatabase(url: string, options: PoolOptions = DEFAULT_POOL): Promise<Database> {
  const [{ default: pg }, { PrismaPg }] = await Promise.all([import('pg'), import('@prisma/adapter-pg')]);
  const pool = new pg.Pool({
    connectionString: url,
    max: options.size,
    connectionTimeoutMillis: options.timeoutMs,
    // TCP keepalive notices a server that vanished without closing the connection.
    keepAlive: true,
  });
  // An idle client that loses its server must not crash the process; the next query reports it.
  pool.on('error', () => undefined);
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  return {
    kind: 'postgres',
    description: describeUrlWithoutPassword(url),
    prisma,
    async withConnection(fn) {
      const client = await pool.connect();
      try {
        return await fn({
          async exec(sql) {
            await client.query(sql);
          },
          async query<Row extends Record<string, unknown>>(sql: string, params?: unknown[]) {
            const result = await client.query<Row>(sql, params);
            return result.rows;
          },
        });
      } finally {
        client.release();
      }
    },
    async ping() {
      await pool.query('SELECT 1');
    },
    async close() {
      await prisma.$disconnect();
      await pool.end().catch(() => undefined);
    },
  };
}
