import crypto from 'node:crypto';
import os from 'node:os';
import bcrypt from 'bcryptjs';
import { Piscina } from 'piscina';

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(password: string, hash: string): Promise<boolean>;
  /**
   * Spends the same time as verify() against a real hash, for unknown users: without it,
   * "no such account" would answer measurably faster than "wrong password".
   */
  verifyDummy(password: string): Promise<void>;
  close(): Promise<void>;
}

const WORKER_URL = new URL('../../workers/bcrypt-worker.mjs', import.meta.url);

/**
 * A well-formed bcrypt hash at `cost` that no password matches: a real salt and 23 random bytes
 * where the digest goes. Verifying against it does the full work of a real verification (bcrypt
 * computes the digest from the password and the salt before comparing), without hashing anything
 * at start-up.
 */
export function makeDummyHash(cost: number): string {
  return bcrypt.genSaltSync(cost) + bcrypt.encodeBase64(crypto.randomBytes(23), 23);
}

/** bcrypt in a pool of worker threads, so hashing never blocks the event loop. */
export async function createPasswordHasher(options: {
  cost: number;
  maxThreads?: number;
}): Promise<PasswordHasher> {
  // No thread until the first hash, and none after a minute without one: an idle Gatehouse does
  // not keep a thread (and its ~25 MB) for sign-ins that are not happening.
  const pool = new Piscina({
    filename: WORKER_URL.href,
    minThreads: 0,
    maxThreads: options.maxThreads ?? Math.max(1, os.availableParallelism()),
    idleTimeout: 60_000,
  });
  const run = <T>(task: Record<string, unknown>) => pool.run(task) as Promise<T>;
  const hash = (password: string) => run<string>({ op: 'hash', password, cost: options.cost });
  const dummyHash = makeDummyHash(options.cost);
  return {
    hash,
    verify: (password, hashed) => run<boolean>({ op: 'verify', password, hash: hashed }),
    async verifyDummy(password) {
      await run<boolean>({ op: 'verify', password, hash: dummyHash });
    },
    async close() {
      await pool.destroy();
    },
  };
}
