-- A self-service email change waits here (with SMTP configured) until a link sent to the new
-- address is confirmed. Not unique: the address is checked again when the change is applied.
ALTER TABLE "users" ADD COLUMN "pending_email" TEXT;

-- password_tokens holds every one-time link of an account: "setup" and "reset" set a password,
-- "verify" proves an address. `email` is the address the link was issued for: a "verify" link
-- proves that address and nothing else (the account's current one, or its pending change).
ALTER TABLE "password_tokens" ADD COLUMN "email" TEXT;
ALTER TABLE "password_tokens"
  ADD CONSTRAINT "password_tokens_purpose_check" CHECK ("purpose" IN ('setup', 'reset', 'verify'));
ALTER TABLE "password_tokens"
  ADD CONSTRAINT "password_tokens_verify_email_check" CHECK ("purpose" <> 'verify' OR "email" IS NOT NULL);
