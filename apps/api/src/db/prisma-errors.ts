/**
 * Prisma's errors, told apart by their code and, for unique violations, by the constraint hit.
 * Neither driver adapter fills P2002's meta.target: @prisma/adapter-pg names the constraint
 * (driverAdapterError.cause.constraint.index), pglite-prisma-adapter the fields it covers
 * (…constraint.fields, with meta.modelName). Both are matched here, and meta.target too for a
 * client without an adapter.
 */

/** Every unique constraint a caller tells apart, by its name in the SQL migrations. */
const UNIQUE_CONSTRAINTS = {
  users_email_key: { model: 'User', fields: ['email'] },
  users_username_key: { model: 'User', fields: ['username'] },
  linked_accounts_issuer_subject_key: { model: 'LinkedAccount', fields: ['issuer', 'subject'] },
  oidc_used_transactions_pkey: { model: 'OidcUsedTransaction', fields: ['id'] },
  passkeys_credential_id_key: { model: 'Passkey', fields: ['credential_id'] },
} as const;

export type UniqueConstraint = keyof typeof UNIQUE_CONSTRAINTS;

interface PrismaErrorShape {
  code?: unknown;
  meta?: {
    modelName?: unknown;
    target?: unknown;
    driverAdapterError?: { cause?: { constraint?: { index?: unknown; fields?: unknown } } };
  };
}

function codeOf(error: unknown): unknown {
  return typeof error === 'object' && error !== null ? (error as PrismaErrorShape).code : undefined;
}

/** Prisma's unique-constraint violation (P2002), on any constraint. */
export function isUniqueViolation(error: unknown): boolean {
  return codeOf(error) === 'P2002';
}

const sameFields = (actual: unknown, wanted: readonly string[]) =>
  Array.isArray(actual) && actual.length === wanted.length && wanted.every((field) => actual.includes(field));

/** A P2002 on this constraint (and no other). */
export function isUniqueViolationOn(error: unknown, constraint: UniqueConstraint): boolean {
  if (!isUniqueViolation(error)) return false;
  const { model, fields } = UNIQUE_CONSTRAINTS[constraint];
  const meta = (error as PrismaErrorShape).meta ?? {};
  const hit = meta.driverAdapterError?.cause?.constraint;
  if (hit?.index !== undefined) return hit.index === constraint;
  if (hit?.fields !== undefined) return meta.modelName === model && sameFields(hit.fields, fields);
  if (typeof meta.target === 'string') return meta.target === constraint;
  return meta.modelName === model && sameFields(meta.target, fields);
}

/** Prisma's "record to update/delete does not exist" (P2025). */
export function isRecordNotFound(error: unknown): boolean {
  return codeOf(error) === 'P2025';
}
