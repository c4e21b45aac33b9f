/**
 * The one normal form of an email address: trimmed, Unicode NFC, lower-cased. Uniqueness,
 * admin_emails matching and lookups all use it, so "Admin@Example.com " is admin@example.com.
 */
export function normalizeEmail(email: string): string {
  return email.trim().normalize('NFC').toLowerCase();
}
