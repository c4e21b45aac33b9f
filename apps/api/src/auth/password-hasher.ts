import crypto from 'node:crypto';
import os from 'node:os';
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

/** bcrypt in a pool of worker threads, so hashing never blocks the event loop. */
export async function createPasswordHasher(options: {
  cost: number;
  maxThreads?: number;
}): Promise<PasswordHasher> {
  const pool = new Piscina({
    filename: WORKER_URL.href,
    minThreads: 1,
    maxThreads: options.maxThreads ?? Math.max(1, os.availableParallelism()),
    idleTimeout: 60_000,
  });
  const run = <T>(task: Record<string, unknown>) => pool.run(task) as Promise<T>;
  const hash = (password: string) => run<string>({ op: 'hash', password, cost: options.cost });
  // Made in the background: awaiting one cost-12 hash here delayed start-up by a quarter second
  // or more. The only caller who waits for it is an unknown-email sign-in in the first moments.
  const dummyHash = hash(crypto.randomBytes(16).toString('hex'));
  dummyHash.catch(() => undefined); // a pool closed before it finished; verifyDummy reports it
  return {
    hash,
    verify: (password, hashed) => run<boolean>({ op: 'verify', password, hash: hashed }),
    async verifyDummy(password) {
      await run<boolean>({ op: 'verify', password, hash: await dummyHash });
    },
    async close() {
      await pool.destroy();
    },
  };
}
