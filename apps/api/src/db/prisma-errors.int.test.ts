import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { isRecordNotFound, isUniqueViolation, isUniqueViolationOn, type UniqueConstraint } from './prisma-errors.js';
import { createTestContext, type TestContext } from '../test-support/test-context.js';

/** What the driver adapter in use (pglite-prisma-adapter, or @prisma/adapter-pg on Postgres) raises. */
describe('telling unique violations apart by constraint', () => {
  let t: TestContext;
  let userId: string;
  beforeAll(async () => {
    t = await createTestContext();
    const user = await t.ctx.db.prisma.user.create({ data: { email: 'taken@example.com', username: 'taken' } });
    userId = user.id;
    await t.ctx.db.prisma.linkedAccount.create({ data: { userId, provider: 'P', issuer: 'https://idp', subject: 'sub' } });
    await t.ctx.db.prisma.oidcUsedTransaction.create({ data: { id: 'used', expiresAt: new Date() } });
  });
  afterAll(() => t.close());

  const caught = async (work: () => Promise<unknown>): Promise<unknown> => {
    try {
      await work();
    } catch (error) {
      return error;
    }
    throw new Error('expected a failure');
  };
  const ALL: UniqueConstraint[] = ['users_email_key', 'users_username_key', 'linked_accounts_issuer_subject_key', 'oidc_used_transactions_pkey'];
  const onlyOn = (error: unknown) => ALL.filter((constraint) => isUniqueViolationOn(error, constraint));

  it('names the constraint each duplicate hit, and no other', async () => {
    const { prisma } = t.ctx.db;
    expect(onlyOn(await caught(() => prisma.user.create({ data: { email: 'taken@example.com' } })))).toEqual(['users_email_key']);
    expect(onlyOn(await caught(() => prisma.user.create({ data: { email: 'other@example.com', username: 'taken' } })))).toEqual([
      'users_username_key',
    ]);
    expect(
      onlyOn(await caught(() => prisma.linkedAccount.create({ data: { userId, provider: 'P', issuer: 'https://idp', subject: 'sub' } }))),
    ).toEqual(['linked_accounts_issuer_subject_key']);
    expect(onlyOn(await caught(() => prisma.oidcUsedTransaction.create({ data: { id: 'used', expiresAt: new Date() } })))).toEqual([
      'oidc_used_transactions_pkey',
    ]);
  });

  it('inside a transaction too', async () => {
    const error = await caught(() => t.services.data.withTransaction((tx) => tx.users.create({ email: 'taken@example.com' })));
    expect(onlyOn(error)).toEqual(['users_email_key']);
  });

  it('is false for other errors', async () => {
    const missing = await caught(() => t.ctx.db.prisma.user.delete({ where: { id: '00000000-0000-4000-8000-00000000dead' } }));
    expect(isUniqueViolation(missing)).toBe(false);
    expect(isRecordNotFound(missing)).toBe(true);
    expect(onlyOn(missing)).toEqual([]);
    expect(onlyOn(new Error('P2002 users_email_key'))).toEqual([]);
  });
});
