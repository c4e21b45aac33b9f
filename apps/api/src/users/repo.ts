import type { Prisma, PrismaClient, User } from '../generated/prisma/client.js';

export type { User };
type Db = PrismaClient | Prisma.TransactionClient;

/** The users table. Only this file (and the other repo.ts files) touch Prisma. */
export function createUserRepo(prisma: PrismaClient) {
  return {
    findById: (id: string, db: Db = prisma) => db.user.findUnique({ where: { id } }),
    findByEmail: (email: string, db: Db = prisma) => db.user.findUnique({ where: { email } }),
    listAll: () => prisma.user.findMany({ orderBy: [{ createdAt: 'asc' }, { email: 'asc' }] }),
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
      const [users, total] = await prisma.$transaction([
        prisma.user.findMany({ where, orderBy: [{ createdAt: 'asc' }, { email: 'asc' }], skip, take }),
        prisma.user.count({ where }),
      ]);
      return { users, total };
    },
    create: (data: Prisma.UserCreateInput, db: Db = prisma) => db.user.create({ data }),
    update: (id: string, data: Prisma.UserUpdateInput, db: Db = prisma) =>
      db.user.update({ where: { id }, data }),
    delete: (id: string, db: Db = prisma) => db.user.delete({ where: { id } }),
    /** Runs fn in one transaction (a change and the links it voids or issues commit together). */
    inTransaction: <T>(fn: (tx: Prisma.TransactionClient) => Promise<T>): Promise<T> => prisma.$transaction(fn),
    countActiveAdmins: (db: Db = prisma) =>
      db.user.count({ where: { isSuperuser: true, isActive: true } }),
    /**
     * Runs fn in a transaction holding a lock that every admin-changing operation takes, so two
     * admins demoting each other at once cannot leave the instance with none.
     */
    withAdminLock<T>(fn: (tx: Prisma.TransactionClient) => Promise<T>): Promise<T> {
      return prisma.$transaction(async (tx) => {
        await tx.$executeRawUnsafe('SELECT pg_advisory_xact_lock(72707370)');
        return fn(tx);
      });
    },
  };
}

export type UserRepo = ReturnType<typeof createUserRepo>;

/** Prisma's unique-constraint violation (P2002), whichever driver adapter raised it. */
export function isUniqueViolation(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { code?: unknown }).code === 'P2002'
  );
}

/** Prisma's "record to update/delete does not exist" (P2025). */
export function isRecordNotFound(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { code?: unknown }).code === 'P2025'
  );
}
