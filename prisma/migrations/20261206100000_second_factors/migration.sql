-- A second factor: TOTP with single-use recovery codes, and the short-lived pending sign-in that
-- sits between a correct password and a session for an account that has one.

-- Whether the account has a second factor (a confirmed TOTP, later also a passkey): kept by the
-- second-factor service in the same transaction as the factor rows, so the session check reads it
-- from the user row it already loads.
ALTER TABLE "users" ADD COLUMN "second_factor_enrolled" BOOLEAN NOT NULL DEFAULT false;

-- One TOTP authenticator per account. The secret is encrypted (AES-256-GCM, key derived from
-- auth.token_secret). confirmed_at is null while enrolment waits for a first correct code.
-- last_used_step: the 30-second step of the last accepted code; a code of that step or an earlier
-- one is refused, so an observed code cannot be replayed.
CREATE TABLE "totp_factors" (
  "user_id" UUID NOT NULL,
  "secret_encrypted" TEXT NOT NULL,
  "confirmed_at" TIMESTAMPTZ(3),
  "last_used_step" BIGINT,
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT "totp_factors_pkey" PRIMARY KEY ("user_id"),
  CONSTRAINT "totp_factors_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- Ten per account, shown once; only a SHA-256 of each is kept (they are random, 50 bits each).
CREATE TABLE "recovery_codes" (
  "id" UUID NOT NULL DEFAULT gen_random_uuid(),
  "user_id" UUID NOT NULL,
  "code_hash" TEXT NOT NULL,
  "used_at" TIMESTAMPTZ(3),
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT "recovery_codes_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "recovery_codes_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE UNIQUE INDEX "recovery_codes_user_id_code_hash_key" ON "recovery_codes"("user_id", "code_hash");

-- A first factor passed, the second not yet: named by a signed token (a cookie for a browser, the
-- answer's body for a Bearer client), completed at most once, refused after a few wrong codes.
-- groups and oidc_id_token carry an identity provider's sign-in over to the session it becomes.
CREATE TABLE "pending_sign_ins" (
  "id" UUID NOT NULL DEFAULT gen_random_uuid(),
  "user_id" UUID NOT NULL,
  "transport" "session_transport" NOT NULL,
  "auth_method" TEXT NOT NULL,
  "groups" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[],
  "oidc_id_token" TEXT,
  "failed_attempts" INTEGER NOT NULL DEFAULT 0,
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "expires_at" TIMESTAMPTZ(3) NOT NULL,
  "completed_at" TIMESTAMPTZ(3),
  CONSTRAINT "pending_sign_ins_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "pending_sign_ins_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX "pending_sign_ins_expires_at_idx" ON "pending_sign_ins"("expires_at");
CREATE INDEX "pending_sign_ins_user_id_idx" ON "pending_sign_ins"("user_id");
