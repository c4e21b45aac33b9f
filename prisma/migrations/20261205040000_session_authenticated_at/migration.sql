-- When the session last proved its owner beyond its sign-in: a re-authentication (current password, or
-- a fresh sign-in at a linked provider with max_age=0). NULL means "at its sign-in" (created_at).
-- Linking, unlinking and (for accounts without a password) an email change need this moment to lie
-- within auth.reauthentication_window.
ALTER TABLE "sessions" ADD COLUMN "authenticated_at" TIMESTAMPTZ(3);
