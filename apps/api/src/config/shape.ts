/** Shaping the raw tables for the schema: one provider table becomes a list, emails normalised, blanks unset. */
import { isTable, type Table } from './common.js';

/** `[auth.openid_connect]` (one table) becomes a one-element list. Returns whether it was one table. */
export function wrapSingleProvider(raw: Table): boolean {
  const auth = raw['auth'];
  if (!isTable(auth)) return true;
  const providers = auth['openid_connect'];
  if (isTable(providers)) {
    auth['openid_connect'] = [providers];
    return true;
  }
  return providers === undefined;
}

export function prepareForValidation(raw: Table): void {
  const auth = raw['auth'];
  // Normalised before validation so " Admin@Example.com " passes the email format check.
  if (isTable(auth) && Array.isArray(auth['admin_emails'])) {
    auth['admin_emails'] = auth['admin_emails'].map((email: unknown) => (typeof email === 'string' ? normaliseEmail(email) : email));
  }
  // An empty url or host (often from an unset compose variable) means "not set": embedded database.
  const database = raw['database'];
  if (isTable(database)) {
    for (const key of ['url', 'host']) {
      const value = database[key];
      if (typeof value === 'string' && value.trim() === '') delete database[key];
    }
  }
}

export function normaliseEmail(email: string): string {
  return email.trim().normalize('NFC').toLowerCase();
}
