-- Growing delays and temporary locks for the sign-in brakes (issue 9): when the key last failed,
-- and until when it is locked. Both are null for counters that only count requests.
ALTER TABLE "rate_limits" ADD COLUMN "last_failure_at" TIMESTAMPTZ(3);
ALTER TABLE "rate_limits" ADD COLUMN "locked_until" TIMESTAMPTZ(3);
