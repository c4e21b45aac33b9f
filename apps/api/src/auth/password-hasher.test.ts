import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import bcrypt from 'bcryptjs';
import { createPasswordHasher, makeDummyHash, type PasswordHasher } from './password-hasher.js';

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
