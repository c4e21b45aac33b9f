-- OpenID Connect sign-in.

-- The ID token of a session that came from an identity provider, kept server-side only, so that
-- signing out can send it as id_token_hint to the provider's end_session_endpoint.
ALTER TABLE "sessions" ADD COLUMN "oidc_id_token" TEXT;

-- CreateTable: ids of sign-in transactions (the signed gatehouse_oidc cookie) that reached the
-- callback once. A second use is refused, whichever replica it reaches.
CREATE TABLE "oidc_used_transactions" (
    "id" TEXT NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "oidc_used_transactions_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "oidc_used_transactions_expires_at_idx" ON "oidc_used_transactions"("expires_at");
