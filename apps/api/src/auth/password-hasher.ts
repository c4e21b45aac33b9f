import crypto from 'node:crypto';
import os from 'node:os';
import bcrypt from 'bcryptjs';
import { Piscina } from 'piscina';
import { AppError } from '../http/app-error.js';

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

/** Hashes allowed to wait per hashing thread when [auth] password_hash_queue_limit is 0 (auto). */
export const QUEUED_HASHES_PER_THREAD = 8;

/** The queue bound in force: the configured one, or QUEUED_HASHES_PER_THREAD per thread. */
export function resolveHashQueueLimit(configured: number | undefined, threads: number): number {
  return configured && configured > 0 ? configured : QUEUED_HASHES_PER_THREAD * threads;
}

/**
 * bcrypt in a pool of worker threads, so hashing never blocks the event loop. The pool takes at
 * most `threads + queueLimit` jobs at once (running and waiting); one more is refused at once
 * with SERVICE_UNAVAILABLE (503) and a Retry-After estimated from how long recent jobs took,
 * so a flood of sign-ins can neither build an unbounded backlog nor hold the CPU beyond it.
 */
// eslint-disable-next-line @typescript-eslint/require-await -- async so a failure to start the pool rejects, as callers await it
export async function createPasswordHasher(options: {
  cost: number;
  maxThreads?: number;
  /** Jobs that may wait for a thread ([auth] password_hash_queue_limit; 0 or absent: auto). */
  queueLimit?: number;
}): Promise<PasswordHasher> {
  const threads = options.maxThreads ?? Math.max(1, os.availableParallelism());
  const capacity = threads + resolveHashQueueLimit(options.queueLimit, threads);
  // No thread until the first hash, and none after a minute without one: an idle Gatehouse does
  // not keep a thread (and its ~25 MB) for sign-ins that are not happening.
  const pool = new Piscina({
    filename: WORKER_URL.href,
    minThreads: 0,
    maxThreads: threads,
    idleTimeout: 60_000,
  });
  let inFlight = 0;
  // Moving average of one job's duration, for Retry-After (starts at a cost-12 guess).
  let averageJobMs = 250;
  const run = async <T>(task: Record<string, unknown>): Promise<T> => {
    if (inFlight >= capacity) {
      const waitMs = ((inFlight - threads + 1) / threads) * averageJobMs;
      const retryAfter = Math.max(1, Math.ceil(waitMs / 1000));
      throw new AppError('SERVICE_UNAVAILABLE', `The server is busy checking passwords. Try again in ${retryAfter} seconds.`, {
        headers: { 'Retry-After': String(retryAfter) },
      });
    }
    inFlight += 1;
    const startedAt = performance.now();
    try {
      return (await pool.run(task)) as T;
    } finally {
      inFlight -= 1;
      averageJobMs = averageJobMs * 0.8 + (performance.now() - startedAt) * 0.2;
    }
  };
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
