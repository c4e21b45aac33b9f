import type { Prisma, PrismaClient } from '../generated/prisma/client.js';

/** What a repository queries through: the client, or the client of a transaction in progress. */
export type Db = PrismaClient | Prisma.TransactionClient;

/**
 * Runs fn atomically: in a new transaction on the client, or within the caller's when the
 * repository is already bound to one (a repository's multi-statement write then joins it).
 */
export type Atomically = <T>(fn: (tx: Prisma.TransactionClient) => Promise<T>) => Promise<T>;
