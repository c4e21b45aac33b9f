-- Email proven is its own fact, separate from is_verified (MediaManager's "approved by an admin").
-- An address is proven by a one-time link sent to it, by an identity provider that says
-- email_verified: true for that identity, or by an administrator who set it.
ALTER TABLE "users" ADD COLUMN "email_verified_at" TIMESTAMPTZ(3);

-- Existing accounts. Unproven: accounts still awaiting approval (only self-registration makes
-- those), accounts that registered themselves with a password, and accounts created by an
-- identity provider sign-in (whether that provider said email_verified was not recorded; the next
-- sign-in through it that says so proves the address again). Proven: every other account, i.e.
-- those created by an administrator, the CLI or the first-start bootstrap.
UPDATE "users" AS u
SET "email_verified_at" = u."created_at"
WHERE u."is_verified" = TRUE
  AND NOT EXISTS (
    SELECT 1 FROM "audit_events" AS a
    WHERE a."type" = 'account.registered' AND a."user_id" = u."id"
  );
