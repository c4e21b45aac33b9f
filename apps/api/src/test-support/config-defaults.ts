import type { RateLimitsConfig } from '../config/types.js';

/** [auth.rate_limits] as a config.toml without that table gets it (checked by the loader tests). */
export const DEFAULT_RATE_LIMITS: RateLimitsConfig = {
  login_failures_per_account: 10,
  login_failures_per_client: 100,
  reset_failures_per_client: 20,
  oidc_callback_failures_per_client: 30,
  window: 900,
  lockout: 900,
  backoff_after: 3,
  backoff_base: 1,
  backoff_max: 60,
  register_per_client: 10,
  forgot_per_email: 5,
  forgot_per_client: 20,
};
