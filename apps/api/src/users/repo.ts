import type { Prisma, User } from '../generated/prisma/client.js';
import type { Atomically, Db } from '../db/db-handle.js';

export type { User };

/** Key of the advisory lock every admin-changing operation takes (see lockAdmins). */
const ADMIN_LOCK_KEY = 72707370;

/** The users table: the only writer of it. */
export function createUserRepo(db: Db, atomically: Atomically) {
  return {
    findById: (id: string) => db.user.findUnique({ where: { id } }),
    findByEmail: (email: string) => db.user.findUnique({ where: { email } }),
    listAll: () => db.user.findMany({ orderBy: [{ createdAt: 'asc' }, { email: 'asc' }] }),
    /** One page of users whose email, username or display name contains `text` (any case). */
    async search(text: string, skip: number, take: number): Promise<{ users: User[]; total: number }> {
      // Prisma's `contains` is SQL ILIKE, which reads % and _ as wildcards: escape them (and the
      // escape character) so the search text is matched literally.
      const pattern = text.replace(/[\\%_]/g, (char) => `\\${char}`);
      const where: Prisma.UserWhereInput =
        pattern === ''
          ? {}
          : {
              OR: [
                { email: { contains: pattern, mode: 'insensitive' } },
                { username: { contains: pattern, mode: 'insensitive' } },
                { displayName: { contains: pattern, mode: 'insensitive' } },
              ],
            };
      // One snapshot, so the total counts the rows the page was cut from.
      return atomically(async (tx) => {
        const users = await tx.user.findMany({ where, orderBy: [{ createdAt: 'asc' }, { email: 'asc' }], skip, take });
        const total = await tx.user.count({ where });
        return { users, total };
      });
    },
    create: (data: Prisma.UserCreateInput) => db.user.create({ data }),
    update: (id: string, data: Prisma.UserUpdateInput) => db.user.update({ where: { id }, data }),
    delete: (id: string) => db.user.delete({ where: { id } }),
    /** The second-factor service keeps this in step with the factor rows, in the same transaction. */
    setSecondFactorEnrolled: (id: string, enrolled: boolean) => db.user.update({ where: { id }, data: { secondFactorEnrolled: enrolled } }),
    countActiveAdmins: () => db.user.count({ where: { isSuperuser: true, isActive: true } }),
    /**
     * Waits for, and holds until the transaction ends, a lock that every admin-changing operation
     * takes, so two admins demoting each other at once cannot leave the instance with none. Only
     * meaningful on repositories bound to a transaction (withTransaction).
     */
    async lockAdmins(): Promise<void> {
      await db.$executeRawUnsafe(`SELECT pg_advisory_xact_lock(${ADMIN_LOCK_KEY})`);
    },
    /**
     * Proves the account's address, only if it is still `email` and not yet proven (a concurrent
     * email change wins). Returns the user as it is now.
     */
    async proveEmailIfCurrent(userId: string, email: string, now: Date): Promise<User | null> {
      await db.user.updateMany({ where: { id: userId, email, emailVerifiedAt: null }, data: { emailVerifiedAt: now } });
      return db.user.findUnique({ where: { id: userId } });
    },
  };
}

export type UserRepo = ReturnType<typeof createUserRepo>;
