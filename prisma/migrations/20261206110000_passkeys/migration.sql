-- Passkeys (WebAuthn credentials) and the single-use challenges their ceremonies sign.

-- One row per passkey. credential_id is the authenticator's id (base64url), unique across all
-- accounts; public_key is the COSE key. counter: the authenticator's signature counter at its last
-- use (0 for passkeys that keep none); a use whose counter does not increase is refused (a cloned
-- authenticator).
CREATE TABLE "passkeys" (
  "id" UUID NOT NULL DEFAULT gen_random_uuid(),
  "user_id" UUID NOT NULL,
  "credential_id" TEXT NOT NULL,
  "public_key" BYTEA NOT NULL,
  "counter" BIGINT NOT NULL DEFAULT 0,
  "transports" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[],
  "name" TEXT NOT NULL,
  "backed_up" BOOLEAN NOT NULL DEFAULT false,
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "last_used_at" TIMESTAMPTZ(3),
  CONSTRAINT "passkeys_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "passkeys_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE UNIQUE INDEX "passkeys_credential_id_key" ON "passkeys"("credential_id");
CREATE INDEX "passkeys_user_id_idx" ON "passkeys"("user_id");

-- What a challenge was issued for: adding a passkey to an account, a passkey sign-in, or the
-- second step of a pending sign-in.
CREATE TYPE "webauthn_challenge_purpose" AS ENUM ('register', 'sign_in', 'second_factor');

-- A challenge is spent by deleting its row: single use across every replica.
CREATE TABLE "webauthn_challenges" (
  "challenge" TEXT NOT NULL,
  "purpose" "webauthn_challenge_purpose" NOT NULL,
  -- register: the account; second_factor: the pending sign-in's account; sign_in: null.
  "user_id" UUID,
  -- second_factor: the pending sign-in it completes.
  "pending_sign_in_id" UUID,
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "expires_at" TIMESTAMPTZ(3) NOT NULL,
  CONSTRAINT "webauthn_challenges_pkey" PRIMARY KEY ("challenge"),
  CONSTRAINT "webauthn_challenges_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX "webauthn_challenges_expires_at_idx" ON "webauthn_challenges"("expires_at");
