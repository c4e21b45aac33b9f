import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import bcrypt from 'bcryptjs';
import { AppError } from '../http/app-error.js';
import { createPasswordHasher, makeDummyHash, resolveHashQueueLimit, type PasswordHasher } from './password-hasher.js';

describe('the dummy hash unknown emails are verified against', () => {
  it('is a full bcrypt hash at the configured cost, so verifying it does the whole work', () => {
    for (const cost of [4, 10, 12]) {
      const dummy = makeDummyHash(cost);
      // bcryptjs answers false at once, without hashing, for anything that is not 60 characters
      // of the right form; a well-formed one is hashed in full at its own cost.
      expect(dummy).toHaveLength(60);
      expect(dummy).toMatch(/^\$2b\$\d\d\$[./A-Za-z0-9]{53}$/);
      expect(bcrypt.getRounds(dummy)).toBe(cost);
    }
  });

  it('differs every time and matches no password', async () => {
    const dummies = new Set(Array.from({ length: 20 }, () => makeDummyHash(4)));
    expect(dummies.size).toBe(20);
    const dummy = makeDummyHash(4);
    for (const password of ['', 'password', 'correct horse battery staple']) {
      expect(await bcrypt.compare(password, dummy)).toBe(false);
    }
  });
});

describe('the worker pool', () => {
  let hasher: PasswordHasher;
  beforeAll(async () => {
    hasher = await createPasswordHasher({ cost: 4, maxThreads: 2 });
  });
  afterAll(() => hasher.close());

  it('hashes and verifies, and verifyDummy never succeeds', async () => {
    const hashed = await hasher.hash('correct horse battery staple');
    expect(await hasher.verify('correct horse battery staple', hashed)).toBe(true);
    expect(await hasher.verify('wrong horse battery staple', hashed)).toBe(false);
    await expect(hasher.verifyDummy('correct horse battery staple')).resolves.toBeUndefined();
  });
});

/** A well-formed bcrypt hash at cost 31: verifying against it keeps a thread busy far longer than any test. */
function makeEndlessHash(): string {
  return makeDummyHash(4).replace(/^\$2b\$04\$/, '$2b$31$');
}

describe('the bounded queue ([auth] password_hash_queue_limit)', () => {
  it('resolves the bound: the configured one, or 8 waiting jobs per thread when 0', () => {
    expect(resolveHashQueueLimit(0, 2)).toBe(16);
    expect(resolveHashQueueLimit(undefined, 3)).toBe(24);
    expect(resolveHashQueueLimit(5, 2)).toBe(5);
  });

  it('takes threads + queueLimit jobs; one more is refused at once with 503 and Retry-After, and work resumes once it drains', async () => {
    const hasher = await createPasswordHasher({ cost: 4, maxThreads: 1, queueLimit: 2 });
    const endless = makeEndlessHash();
    // One job running and two waiting: full.
    const held = Array.from({ length: 3 }, () =>
      hasher.verify('x', endless).then(
        () => 'finished',
        () => 'stopped',
      ),
    );
    try {
      let refusal: unknown;
      await hasher.verify('x', makeDummyHash(4)).catch((error: unknown) => (refusal = error));
      expect(refusal).toBeInstanceOf(AppError);
      const appError = refusal as AppError;
      expect(appError.code).toBe('SERVICE_UNAVAILABLE');
      expect(appError.status).toBe(503);
      expect(Number(appError.options.headers?.['Retry-After'])).toBeGreaterThanOrEqual(1);
      await expect(hasher.hash('another')).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    } finally {
      await hasher.close();
    }
    // Closing stops the endless jobs (they never finished) and frees their places.
    expect(await Promise.all(held)).toEqual(['stopped', 'stopped', 'stopped']);
  });

  it('a refused job does not take a place: after the queue drains, every job runs', async () => {
    const hasher = await createPasswordHasher({ cost: 4, maxThreads: 1, queueLimit: 1 });
    try {
      const first = await Promise.allSettled(Array.from({ length: 5 }, () => hasher.hash('pw')));
      expect(first.filter((result) => result.status === 'fulfilled')).toHaveLength(2);
      expect(first.filter((result) => result.status === 'rejected')).toHaveLength(3);
      const again = await Promise.allSettled([hasher.hash('pw'), hasher.hash('pw')]);
      expect(again.map((result) => result.status)).toEqual(['fulfilled', 'fulfilled']);
    } finally {
      await hasher.close();
    }
  });
});
