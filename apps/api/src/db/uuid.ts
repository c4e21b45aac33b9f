const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids are Postgres uuids; anything else is refused before it reaches a query. */
export function isUuid(value: string): boolean {
  return UUID_PATTERN.test(value);
}
