-- API keys: for scripts and apps, instead of a person's password. A key is
-- gh_<key_id>_<secret>: the row is found by key_id, and only a SHA-256 of the secret is kept.

CREATE TYPE "api_key_scope" AS ENUM ('read', 'write', 'admin');

CREATE TABLE "api_keys" (
  "id" UUID NOT NULL DEFAULT gen_random_uuid(),
  "user_id" UUID NOT NULL,
  "name" TEXT NOT NULL,
  "scope" "api_key_scope" NOT NULL,
  -- The identifier part of the key (not secret): finds the row, and shown to recognise the key.
  "key_id" TEXT NOT NULL,
  -- SHA-256 (hex) of the secret part.
  "secret_hash" TEXT NOT NULL,
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  -- Null: never expires (only with [auth] api_keys_allow_no_expiry).
  "expires_at" TIMESTAMPTZ(3),
  -- Recorded at most once a minute.
  "last_used_at" TIMESTAMPTZ(3),
  "last_used_ip" TEXT,
  "revoked_at" TIMESTAMPTZ(3),
  CONSTRAINT "api_keys_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "api_keys_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE UNIQUE INDEX "api_keys_key_id_key" ON "api_keys"("key_id");
CREATE INDEX "api_keys_user_id_idx" ON "api_keys"("user_id");
