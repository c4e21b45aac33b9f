-- Columns whose values are a closed set become enums: the database refuses any other value, and
-- the client types them. audit_events.type stays TEXT: its list grows with every feature (each new
-- value would need ALTER TYPE … ADD VALUE, which a value cannot be used in within the same
-- transaction), and the trail must keep the rows of types a later version retires.
CREATE TYPE "session_transport" AS ENUM ('cookie', 'bearer');
ALTER TABLE "sessions"
  ALTER COLUMN "transport" TYPE "session_transport" USING "transport"::"session_transport";

-- The enum says what password_tokens_purpose_check said. The verify-needs-an-address check compares
-- the column with text, so it is written again for the new type.
ALTER TABLE "password_tokens" DROP CONSTRAINT "password_tokens_purpose_check";
ALTER TABLE "password_tokens" DROP CONSTRAINT "password_tokens_verify_email_check";
CREATE TYPE "password_token_purpose" AS ENUM ('setup', 'reset', 'verify');
ALTER TABLE "password_tokens"
  ALTER COLUMN "purpose" TYPE "password_token_purpose" USING "purpose"::"password_token_purpose";
ALTER TABLE "password_tokens"
  ADD CONSTRAINT "password_tokens_verify_email_check" CHECK ("purpose" <> 'verify' OR "email" IS NOT NULL);

CREATE TYPE "audit_actor_type" AS ENUM ('user', 'cli', 'system', 'anonymous');
ALTER TABLE "audit_events"
  ALTER COLUMN "actor_type" TYPE "audit_actor_type" USING "actor_type"::"audit_actor_type";
