/**
 * The validated, frozen configuration. Built once by loadConfig() (config/load-config.ts) from
 * config.toml + GATEHOUSE_* environment overrides; nothing else reads process.env.
 * Key names follow MediaManager's config.toml (snake_case) so its files load unchanged.
 */

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface ServerConfig {
  /** Interface to listen on. Default "0.0.0.0". */
  readonly host: string;
  /** Port for API + web UI. Default 8000. */
  readonly port: number;
  /**
   * Addresses and CIDRs (or proxy-addr's names "loopback", "linklocal", "uniquelocal") of the
   * reverse proxies whose X-Forwarded-For/-Proto/-Host are believed: the client address for rate
   * limits, logs and the session list, and the original URL ForwardAuth redirects back to.
   * Default: loopback and the private ranges (Traefik on the same host or a Docker network).
   * Never used to build Gatehouse's own URLs: those come from misc.frontend_url.
   */
  readonly trusted_proxies: readonly string[];
  /** Default "info". Kept for older files; [logging] level wins when both are set. */
  readonly log_level: LogLevel;
}

export interface OidcProviderConfig {
  /** MediaManager keys. */
  readonly enabled: boolean;
  readonly client_id: string;
  readonly client_secret: string;
  readonly configuration_endpoint: string;
  /** Case-sensitive; part of the redirect URI. Default "OpenID". */
  readonly name: string;
  /** Gatehouse: space-separated scopes; must contain "openid". Default "openid email profile". */
  readonly scopes: string;
  /** Gatehouse: login button label; "{name}" is replaced by the name. Default "Sign in with {name}". */
  readonly button_text: string;
  /** Gatehouse: icon shown on the login button. Default "" (none). */
  readonly icon_url: string;
  /** Gatehouse: create accounts for unknown users. Default true (as MediaManager). */
  readonly auto_register: boolean;
  /**
   * Gatehouse: auto-register identities whose provider does not say email_verified: true (Entra ID
   * never sends the claim). Such an account's address stays unproven: it links nothing by email and
   * grants no admin_emails admin. Default false.
   */
  readonly allow_unverified_email: boolean;
  /** Gatehouse: send login-page visitors straight to this provider (?local=1 bypasses). Default false. */
  readonly auto_launch: boolean;
  /** Gatehouse: claim a new user's username is made from. Default "preferred_username". */
  readonly username_claim: OidcUsernameClaim;
  /** Gatehouse: claim listing the user's groups. Default "groups". */
  readonly groups_claim: string;
  /** Gatehouse: members of any of these groups are admins (checked at every sign-in). Default []. */
  readonly admin_groups: readonly string[];
  /** Gatehouse: only members of these groups may sign in; [] lets everyone in. Default []. */
  readonly allowed_groups: readonly string[];
  /** Gatehouse: how Gatehouse authenticates at the token endpoint. Default "client_secret_basic". */
  readonly token_endpoint_auth_method: OidcTokenEndpointAuthMethod;
  /** Gatehouse: seconds to wait for the provider's answers. Default 10. */
  readonly timeout: number;
  /** Gatehouse: signing out of Gatehouse also signs out at the provider (when it supports it). Default true. */
  readonly end_session: boolean;
  /**
   * Gatehouse: which redirect URI to use. "provider" (default): {frontend_url}/api/v1/auth/cookie/{name}/callback;
   * "oauth": {frontend_url}/api/v1/auth/oauth/callback (one enabled provider only).
   */
  readonly callback: OidcCallbackForm;
}

export type OidcUsernameClaim = 'preferred_username' | 'name' | 'nickname' | 'email';
export type OidcTokenEndpointAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none';
export type OidcCallbackForm = 'provider' | 'oauth';

export interface SmtpConfig {
  readonly smtp_host: string;
  /** Default 587. */
  readonly smtp_port: number;
  readonly smtp_user: string;
  readonly smtp_password: string;
  readonly from_email: string;
  /** STARTTLS. Default true. */
  readonly use_tls: boolean;
  /** Gatehouse: TLS from the first byte (port 465) instead of STARTTLS. Default false. */
  readonly implicit_tls: boolean;
  /** Gatehouse: PEM file of a private CA to trust for the SMTP server's certificate. Default "" (system CAs). */
  readonly ca_file: string;
  /** Gatehouse: display name of the sender. Default "Gatehouse". */
  readonly from_name: string;
  /** Gatehouse: seconds to wait for the SMTP connection and greeting. Default 10. */
  readonly connection_timeout: number;
  /** Gatehouse: seconds a whole send may take. Default 30. */
  readonly send_timeout: number;
}

/**
 * `[auth.rate_limits]`: brakes on guessing, kept in the database so every replica shares them.
 * Failure counters (password login per account and per client, reset-token and OIDC-callback
 * failures per client) slow down with each failure past `backoff_after` and lock the key for
 * `lockout` seconds once the limit is reached; a successful sign-in or an admin unlock clears the
 * account's counter. Request counters (registration, forgot-password) allow so many per hour.
 */
export interface RateLimitsConfig {
  /** Failed password sign-ins per account (email) before it is locked. Default 10. */
  readonly login_failures_per_account: number;
  /** Failed password sign-ins per client address before it is locked. Default 100. */
  readonly login_failures_per_client: number;
  /** Failed password resets (bad or spent token) per client address before it is locked. Default 20. */
  readonly reset_failures_per_client: number;
  /** Failed OIDC callbacks (forged or replayed state, provider errors) per client address. Default 30. */
  readonly oidc_callback_failures_per_client: number;
  /** Seconds a failure counter lives (the window the limits above count over). Default 900. */
  readonly window: number;
  /** Seconds a key stays locked once its limit is reached. Default 900. */
  readonly lockout: number;
  /** Failures allowed back to back before delays start. Default 3. */
  readonly backoff_after: number;
  /** Seconds of the first delay; each further failure doubles it. Default 1. */
  readonly backoff_base: number;
  /** Longest delay between attempts, in seconds. Default 60. */
  readonly backoff_max: number;
  /** Registration attempts per client address per hour. Default 10. */
  readonly register_per_client: number;
  /** Forgot-password requests per email address per hour. Default 5. */
  readonly forgot_per_email: number;
  /** Forgot-password requests per client address per hour. Default 20. */
  readonly forgot_per_client: number;
}

export type LogFormat = 'json' | 'pretty';

/** `[logging]`. */
export interface LoggingConfig {
  /** Default: server.log_level (itself "info"). */
  readonly level: LogLevel;
  /** "json" (one object a line, default) or "pretty" (human-readable, for a terminal). */
  readonly format: LogFormat;
}

/** `[metrics]`. */
export interface MetricsConfig {
  /** Serve Prometheus metrics on GET /metrics. Default false. */
  readonly enabled: boolean;
}

export interface AuthConfig {
  /** Required, >= 32 characters, not a published example value. */
  readonly token_secret: string;
  /** Seconds, 60 to 7776000 (90 days). Default 86400. */
  readonly session_lifetime: number;
  /** Seconds, 300 to 7776000: a session unused this long stops authenticating. Default 604800 (7 days). */
  readonly session_idle_timeout: number;
  /**
   * Gatehouse: seconds a checked session may be reused by this process without asking the
   * database again (0 = never). Revocation made elsewhere takes effect within this time; made
   * through this process, at once. Default 5.
   */
  readonly session_cache_seconds: number;
  /**
   * Gatehouse: seconds after a sign-in (or a re-authentication) during which a session may link or
   * unlink a provider or change its email without proving its owner again. Default 300.
   */
  readonly reauthentication_window: number;
  /** Required (may be empty). Normalised: trimmed, NFC, lower-cased. */
  readonly admin_emails: readonly string[];
  /** Default false. */
  readonly email_password_resets: boolean;
  /** Gatehouse: self-registration. Default false. */
  readonly registration_enabled: boolean;
  /** Gatehouse: offer and accept email/password sign-in. Default true. */
  readonly password_login_enabled: boolean;
  /** Gatehouse: bcrypt cost factor, 10..15. Default 12. */
  readonly bcrypt_cost: number;
  /**
   * Gatehouse: password checks and hashes that may wait for a hashing thread; one more is refused
   * at once with 503 and Retry-After. 0 = auto (8 per thread, one thread per CPU core). Default 0.
   */
  readonly password_hash_queue_limit: number;
  /** Gatehouse: seconds a first-start / admin-issued setup link stays valid. Default 86400. */
  readonly setup_link_lifetime: number;
  /** Gatehouse: seconds a password-reset link stays valid. Default 3600. */
  readonly reset_link_lifetime: number;
  /** Gatehouse: subject of the password-reset email. Default "Reset your password". */
  readonly password_reset_subject: string;
  /** Gatehouse: seconds an email-confirmation link (proof of an address) stays valid, 60..604800. Default 86400. */
  readonly email_verification_lifetime: number;
  /** Gatehouse: subject of the email-confirmation email. Default "Confirm your email address". */
  readonly email_verification_subject: string;
  /**
   * Gatehouse: Domain of the session cookie, e.g. "example.com" so that one sign-in covers every
   * *.example.com app behind ForwardAuth. Default "" (the cookie stays on frontend_url's host).
   */
  readonly cookie_domain: string;
  /** Gatehouse: `[auth.forward_auth]`, for Traefik's ForwardAuth middleware. */
  readonly forward_auth: ForwardAuthConfig;
  /**
   * `[auth.openid_connect]` (one table, MediaManager's form) or `[[auth.openid_connect]]`
   * (several), normalised to a list. Empty when absent.
   */
  readonly openid_connect: readonly OidcProviderConfig[];
  readonly rate_limits: RateLimitsConfig;
}

export interface ForwardAuthRule {
  /** "app.example.com" or "*.example.com" (port optional). */
  readonly host: string;
  /** Only administrators pass. Default false. */
  readonly admin_only: boolean;
  /** Only members of any of these groups pass; [] = every signed-in user. Default []. */
  readonly groups: readonly string[];
}

export interface ForwardAuthConfig {
  /**
   * Hosts whose URLs ForwardAuth may send a browser back to after sign-in, and the only hosts it
   * answers for ("app.example.com", "*.example.com"). Default [] (ForwardAuth refuses every host).
   */
  readonly allowed_hosts: readonly string[];
  /** Per-host requirements; the first rule whose host matches applies. Default []. */
  readonly rules: readonly ForwardAuthRule[];
}

export interface DatabaseConfig {
  /** Full postgres:// URL; wins over the separate keys. */
  readonly url: string | null;
  /** When neither url nor host is set, the embedded database (PGlite) is used. */
  readonly host: string | null;
  /** Default 5432. */
  readonly port: number;
  /** Default "MediaManager" (as MediaManager). */
  readonly user: string;
  readonly password: string;
  /** Default "MediaManager". */
  readonly dbname: string;
  /** Gatehouse: where the embedded database keeps its files. Default "./data". */
  readonly data_dir: string;
  /** Gatehouse: most connections to Postgres per process. Default 10. */
  readonly pool_size: number;
  /**
   * Gatehouse: seconds a request waits for a free connection (or for Postgres to answer a new
   * connection) before it is answered 503. Default 5.
   */
  readonly pool_timeout: number;
}

export interface Config {
  readonly server: ServerConfig;
  readonly auth: AuthConfig;
  readonly notifications: { readonly smtp_config: SmtpConfig | null };
  /** `frontend_url`: the public base URL, no trailing slash. Default "http://localhost:8000". */
  readonly misc: {
    readonly frontend_url: string;
    /** MediaManager's key: origins allowed to call the API from a browser (CORS, with credentials). Default []. */
    readonly cors_urls: readonly string[];
  };
  readonly database: DatabaseConfig;
  /** `[audit]`: days an audit event is kept before it is pruned. Default 90. */
  readonly audit: { readonly retention_days: number };
  readonly logging: LoggingConfig;
  readonly metrics: MetricsConfig;
}

export interface LoadedConfig {
  readonly config: Config;
  /** The file it came from (absolute path). */
  readonly path: string;
  /**
   * Non-fatal notes for the log, e.g. one line naming the MediaManager sections that were ignored.
   * Never contains a secret.
   */
  readonly notices: readonly string[];
}
