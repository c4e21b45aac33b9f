/**
 * The validated, frozen configuration, derived from the schema (schema.ts): what each key means
 * and its default are documented once, in config.example.toml, and enforced once, in the schema.
 * Built by loadConfig() from config.toml + GATEHOUSE_* environment overrides; nothing else reads
 * process.env. Key names follow MediaManager's config.toml (snake_case) so its files load unchanged.
 */
import type { ConfigFile } from './schema.js';

type DeepReadonly<T> = T extends readonly (infer Item)[]
  ? readonly DeepReadonly<Item>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

type SmtpFile = NonNullable<ConfigFile['notifications']['smtp_config']>;

/**
 * The file's shape after the loader's normalisation (build.ts): SMTP is null when absent, the log
 * level is settled ([logging] level, else server.log_level), addresses and hosts lower-cased.
 */
type BuiltConfig = Omit<ConfigFile, 'notifications' | 'logging'> & {
  notifications: { smtp_config: SmtpFile | null };
  logging: { level: ConfigFile['server']['log_level']; format: ConfigFile['logging']['format'] };
};

export type Config = DeepReadonly<BuiltConfig>;

export type ServerConfig = Config['server'];
export type AuthConfig = Config['auth'];
export type DatabaseConfig = Config['database'];
export type LoggingConfig = Config['logging'];
export type RateLimitsConfig = AuthConfig['rate_limits'];
export type ForwardAuthConfig = AuthConfig['forward_auth'];
export type ForwardAuthRule = ForwardAuthConfig['rules'][number];
export type OidcProviderConfig = AuthConfig['openid_connect'][number];
export type SmtpConfig = NonNullable<Config['notifications']['smtp_config']>;
export type LogLevel = ServerConfig['log_level'];
export type LogFormat = LoggingConfig['format'];
export type OidcUsernameClaim = OidcProviderConfig['username_claim'];

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
