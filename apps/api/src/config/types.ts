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
   * Express "trust proxy" setting, used only to learn the client address (session list, rate
   * limits). Default "loopback, linklocal, uniquelocal" (Traefik on a Docker network).
   * Never used to build URLs: those come from misc.frontend_url.
   */
  readonly trust_proxy: boolean | number | string;
  /** Default "info". */
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

export interface AuthConfig {
  /** Required, >= 32 characters, not a published example value. */
  readonly token_secret: string;
  /** Seconds. Default 86400. */
  readonly session_lifetime: number;
  /**
   * Gatehouse: seconds a checked session may be reused by this process without asking the
   * database again (0 = never). Revocation made elsewhere takes effect within this time; made
   * through this process, at once. Default 5.
   */
  readonly session_cache_seconds: number;
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
  /** Gatehouse: seconds a first-start / admin-issued setup link stays valid. Default 86400. */
  readonly setup_link_lifetime: number;
  /** Gatehouse: seconds a password-reset link stays valid. Default 3600. */
  readonly reset_link_lifetime: number;
  /** Gatehouse: subject of the password-reset email. Default "Reset your password". */
  readonly password_reset_subject: string;
  /**
   * `[auth.openid_connect]` (one table, MediaManager's form) or `[[auth.openid_connect]]`
   * (several), normalised to a list. Empty when absent.
   */
  readonly openid_connect: readonly OidcProviderConfig[];
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
}

export interface Config {
  readonly server: ServerConfig;
  readonly auth: AuthConfig;
  readonly notifications: { readonly smtp_config: SmtpConfig | null };
  /** `frontend_url`: the public base URL, no trailing slash. Default "http://localhost:8000". */
  readonly misc: { readonly frontend_url: string };
  readonly database: DatabaseConfig;
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
