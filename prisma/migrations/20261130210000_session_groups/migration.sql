-- The identity provider's groups at the sign-in that created the session (empty for password
-- sign-ins), for ForwardAuth's Remote-Groups header and group rules.
ALTER TABLE "sessions" ADD COLUMN "groups" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[];
