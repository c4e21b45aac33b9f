/**
 * The JSON Schema for config.toml (after MediaManager's sections are set aside and GATEHOUSE_*
 * overrides applied), written once: the file's type is derived from it (FromSchema), the Config
 * type from that (types.ts), and its defaults (ajv `useDefaults`) are the only ones — tests and
 * the bench build their configs through the loader. Compiled once, here, at module load.
 * Keys carrying `secret: true` are never echoed in error messages.
 */
import { Ajv2020, addFormats, type ErrorObject, type SchemaObject, type ValidateFunction } from '../ajv.js';
import type { FromSchema } from 'json-schema-to-ts';

/** The top-level sections Gatehouse reads. Every other top-level section is MediaManager's. */
export const OWNED_SECTIONS = ['server', 'misc', 'database', 'auth', 'notifications', 'audit', 'logging', 'metrics'] as const;

/** MediaManager sections we know of, so a typo check never mistakes them for ours. */
export const KNOWN_FOREIGN_SECTIONS: readonly string[] = ['torrents', 'indexers', 'metadata'];

/** The only `[notifications]` sub-table Gatehouse reads; the rest (gotify, ntfy, …) is MediaManager's. */
export const OWNED_NOTIFICATION_KEY = 'smtp_config';

/** MediaManager's own `[misc]` keys: accepted so its config.toml loads unchanged, then ignored. */
export const IGNORED_MISC_KEYS: readonly string[] = [
  'api_base_path',
  'development',
  'image_directory',
  'tv_directory',
  'movie_directory',
  'torrent_directory',
  'tv_libraries',
  'movie_libraries',
];

/** Human wording for the custom and ajv-formats formats used below, for error messages. */
export const FORMAT_DESCRIPTIONS: Readonly<Record<string, string>> = {
  'http-url': 'an absolute http:// or https:// URL',
  'postgres-url': 'a postgres:// or postgresql:// URL',
  email: 'an email address',
};

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const OIDC_PROVIDER_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    enabled: { type: 'boolean', default: false },
    client_id: { type: 'string', default: '' },
    client_secret: { type: 'string', default: '', secret: true },
    configuration_endpoint: { type: 'string', default: '' },
    name: {
      type: 'string',
      default: 'OpenID',
      minLength: 1,
      // The name is a path segment of the redirect URI ({frontend_url}/api/v1/auth/cookie/{name}/callback).
      pattern: '^[^/?#%\\\\]+$',
      description: 'a name without "/", "?", "#", "%" or "\\" (it is part of the redirect URI)',
    },
    scopes: {
      type: 'string',
      default: 'openid email profile',
      pattern: '(^|\\s)openid(\\s|$)',
      description: 'a space-separated list of scopes that includes "openid"',
    },
    button_text: { type: 'string', default: 'Sign in with {name}', minLength: 1, maxLength: 100 },
    icon_url: {
      type: 'string',
      default: '',
      maxLength: 4096,
      // The web UI's Content-Security-Policy allows images from these only.
      pattern: '^(|https://\\S+|data:image/\\S+|/[^/\\\\]\\S*)$',
      description: 'empty, an https:// URL, a data:image/ URI or a path on this server (the page allows no other images)',
    },
    auto_register: { type: 'boolean', default: true },
    allow_unverified_email: { type: 'boolean', default: false },
    auto_launch: { type: 'boolean', default: false },
    username_claim: {
      type: 'string',
      enum: ['preferred_username', 'name', 'nickname', 'email'],
      default: 'preferred_username',
    },
    groups_claim: { type: 'string', minLength: 1, default: 'groups' },
    admin_groups: { type: 'array', items: { type: 'string', minLength: 1 }, default: [] },
    allowed_groups: { type: 'array', items: { type: 'string', minLength: 1 }, default: [] },
    token_endpoint_auth_method: {
      type: 'string',
      enum: ['client_secret_basic', 'client_secret_post', 'none'],
      default: 'client_secret_basic',
    },
    timeout: { type: 'integer', minimum: 1, maximum: 120, default: 10 },
    end_session: { type: 'boolean', default: true },
    // By default the provider's own sign-in (and its MFA) is trusted as it is; true: an account with
    // a second factor must also give it after this provider, and [auth] second_factor applies.
    require_second_factor: { type: 'boolean', default: false },
    callback: { type: 'string', enum: ['provider', 'oauth'], default: 'provider' },
  },
  // A disabled provider may be a half-filled template (MediaManager ships one); only check it once on.
  if: { properties: { enabled: { const: true } }, required: ['enabled'] },
  // `required` too: ajv may evaluate `then` before `properties` has filled in the "" defaults.
  then: {
    required: ['client_id', 'configuration_endpoint'],
    properties: {
      client_id: { type: 'string', minLength: 1 },
      configuration_endpoint: { type: 'string', format: 'http-url' },
    },
  },
} as const;

/** Loopback and the private ranges: Traefik on the same host or on a Docker/Kubernetes network. */
export const DEFAULT_TRUSTED_PROXIES = ['127.0.0.0/8', '::1/128', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'] as const;

const HOST_PATTERN = {
  type: 'string',
  maxLength: 253,
  pattern: '^(\\*\\.)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*(:[0-9]{1,5})?$',
  description: 'a host name, optionally with a port, or "*.example.com" for every host under example.com',
} as const;

const FORWARD_AUTH_SCHEMA = {
  type: 'object',
  default: {},
  additionalProperties: false,
  properties: {
    allowed_hosts: { type: 'array', items: HOST_PATTERN, default: [] },
    rules: {
      type: 'array',
      default: [],
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['host'],
        properties: {
          host: HOST_PATTERN,
          admin_only: { type: 'boolean', default: false },
          groups: { type: 'array', items: { type: 'string', minLength: 1 }, default: [] },
          // `Authorization: Bearer gh_…` (a Gatehouse API key) passes as its owner on this host.
          api_keys: { type: 'boolean', default: false },
        },
      },
    },
  },
} as const;

const SMTP_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['smtp_host', 'from_email'],
  properties: {
    smtp_host: { type: 'string', minLength: 1 },
    smtp_port: { type: 'integer', minimum: 1, maximum: 65535, default: 587 },
    smtp_user: { type: 'string', default: '' },
    smtp_password: { type: 'string', default: '', secret: true },
    from_email: { type: 'string', minLength: 1 },
    use_tls: { type: 'boolean', default: true },
    implicit_tls: { type: 'boolean', default: false },
    ca_file: { type: 'string', default: '' },
    from_name: { type: 'string', default: 'Gatehouse', maxLength: 100 },
    connection_timeout: { type: 'integer', minimum: 1, maximum: 300, default: 10 },
    send_timeout: { type: 'integer', minimum: 1, maximum: 600, default: 30 },
  },
} as const;

const count = (fallback: number) => ({ type: 'integer', minimum: 1, maximum: 1_000_000, default: fallback }) as const;
const seconds = (fallback: number, minimum = 1) => ({ type: 'integer', minimum, maximum: 86_400, default: fallback }) as const;

const RATE_LIMITS_SCHEMA = {
  type: 'object',
  default: {},
  additionalProperties: false,
  properties: {
    login_failures_per_account: count(10),
    login_failures_per_client: count(100),
    reset_failures_per_client: count(20),
    oidc_callback_failures_per_client: count(30),
    window: seconds(900, 60),
    lockout: seconds(900),
    backoff_after: { type: 'integer', minimum: 1, maximum: 1_000_000, default: 3 },
    backoff_base: seconds(1),
    backoff_max: seconds(60),
    register_per_client: count(10),
    forgot_per_email: count(5),
    forgot_per_client: count(20),
    second_factor_failures_per_account: count(5),
    second_factor_failures_per_client: count(50),
    passkey_options_per_client: count(600),
    api_key_failures_per_client: count(100),
  },
} as const;

export const CONFIG_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://gatehouse.local/schemas/config.json',
  type: 'object',
  additionalProperties: false,
  properties: {
    server: {
      type: 'object',
      default: {},
      additionalProperties: false,
      properties: {
        host: { type: 'string', minLength: 1, default: '0.0.0.0' },
        port: { type: 'integer', minimum: 0, maximum: 65535, default: 8000 },
        // Checked further in checks.ts (each entry must be an address, a CIDR or a proxy-addr name).
        trusted_proxies: {
          type: 'array',
          items: { type: 'string', minLength: 1, maxLength: 64 },
          default: DEFAULT_TRUSTED_PROXIES,
        },
        log_level: { type: 'string', enum: LOG_LEVELS, default: 'info' },
      },
    },
    auth: {
      type: 'object',
      default: {},
      additionalProperties: false,
      required: ['token_secret', 'admin_emails'],
      properties: {
        // Published example values are refused in checks.ts (a schema cannot explain why).
        token_secret: { type: 'string', minLength: 32, secret: true },
        // At most 90 days: a stolen token must not outlive what an operator would accept.
        session_lifetime: { type: 'integer', minimum: 60, maximum: 7776000, default: 86400 },
        session_idle_timeout: { type: 'integer', minimum: 300, maximum: 7776000, default: 604800 },
        session_cache_seconds: { type: 'integer', minimum: 0, maximum: 60, default: 5 },
        reauthentication_window: { type: 'integer', minimum: 30, maximum: 86400, default: 300 },
        // Who must have a second factor: nobody ("optional"), administrators, or everyone.
        second_factor: { type: 'string', enum: ['optional', 'required_for_admins', 'required'], default: 'optional' },
        // API keys may be made that never expire (otherwise at most 365 days).
        api_keys_allow_no_expiry: { type: 'boolean', default: false },
        // The name authenticator apps show beside the account (the otpauth:// issuer).
        totp_issuer: { type: 'string', minLength: 1, maxLength: 100, default: 'Gatehouse' },
        admin_emails: {
          type: 'array',
          items: { type: 'string', format: 'email', maxLength: 254 },
        },
        email_password_resets: { type: 'boolean', default: false },
        registration_enabled: { type: 'boolean', default: false },
        password_login_enabled: { type: 'boolean', default: true },
        bcrypt_cost: { type: 'integer', minimum: 10, maximum: 15, default: 12 },
        // 0 = auto: 8 waiting hashes per hashing thread (one per CPU core).
        password_hash_queue_limit: { type: 'integer', minimum: 0, maximum: 100_000, default: 0 },
        setup_link_lifetime: { type: 'integer', minimum: 60, default: 86400 },
        reset_link_lifetime: { type: 'integer', minimum: 60, maximum: 86400, default: 3600 },
        password_reset_subject: { type: 'string', minLength: 1, maxLength: 200, default: 'Reset your password' },
        email_verification_lifetime: { type: 'integer', minimum: 60, maximum: 604800, default: 86400 },
        email_verification_subject: { type: 'string', minLength: 1, maxLength: 200, default: 'Confirm your email address' },
        cookie_domain: {
          type: 'string',
          default: '',
          pattern: '^(|\\.?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+)$',
          description: 'empty, or a domain name such as "example.com" (no scheme, port or path)',
        },
        forward_auth: FORWARD_AUTH_SCHEMA,
        // The file may hold one table or an array of tables; shape.ts wraps a single table in
        // an array before validation because ajv applies no defaults inside oneOf/anyOf branches.
        openid_connect: { type: 'array', default: [], items: OIDC_PROVIDER_SCHEMA },
        rate_limits: RATE_LIMITS_SCHEMA,
      },
    },
    notifications: {
      type: 'object',
      default: {},
      additionalProperties: false,
      properties: { [OWNED_NOTIFICATION_KEY]: SMTP_SCHEMA },
    },
    misc: {
      type: 'object',
      default: {},
      additionalProperties: false,
      properties: {
        frontend_url: { type: 'string', format: 'http-url', default: 'http://localhost:8000' },
        cors_urls: { type: 'array', items: { type: 'string', format: 'http-url' }, default: [] },
      },
    },
    logging: {
      type: 'object',
      default: {},
      additionalProperties: false,
      properties: {
        // No default: absent means server.log_level (the older key).
        level: { type: 'string', enum: LOG_LEVELS },
        format: { type: 'string', enum: ['json', 'pretty'], default: 'json' },
      },
    },
    metrics: {
      type: 'object',
      default: {},
      additionalProperties: false,
      properties: {
        enabled: { type: 'boolean', default: false },
      },
    },
    audit: {
      type: 'object',
      default: {},
      additionalProperties: false,
      properties: {
        retention_days: { type: 'integer', minimum: 1, maximum: 36500, default: 90 },
      },
    },
    database: {
      type: 'object',
      default: {},
      additionalProperties: false,
      properties: {
        url: { type: ['string', 'null'], format: 'postgres-url', default: null, secret: true },
        host: { type: ['string', 'null'], default: null },
        port: { type: 'integer', minimum: 1, maximum: 65535, default: 5432 },
        user: { type: 'string', default: 'MediaManager' },
        password: { type: 'string', default: 'MediaManager', secret: true },
        dbname: { type: 'string', default: 'MediaManager' },
        data_dir: { type: 'string', minLength: 1, default: './data' },
        pool_size: { type: 'integer', minimum: 1, maximum: 100, default: 10 },
        pool_timeout: { type: 'integer', minimum: 1, maximum: 60, default: 5 },
      },
    },
  },
} as const;

/** What the schema guarantees once validation (with defaults) has passed. */
export type ConfigFile = FromSchema<typeof CONFIG_SCHEMA>;

/** One settable key (a leaf of the schema), e.g. "auth.openid_connect.client_id". */
export interface SettingInfo {
  readonly path: string;
  readonly types: readonly string[];
  readonly isSecret: boolean;
}

function isHttpUrl(value: string): boolean {
  // `new URL('http:host')` succeeds, so insist on the "//" explicitly.
  if (!/^https?:\/\//i.test(value)) return false;
  try {
    return new URL(value).hostname !== '';
  } catch {
    return false;
  }
}

function isPostgresUrl(value: string): boolean {
  if (!/^postgres(ql)?:\/\//i.test(value)) return false;
  try {
    new URL(value);
    return true;
  } catch {
    return false;
  }
}

function collectSettings(schema: SchemaObject, prefix: string, into: Map<string, SettingInfo>): void {
  const properties = schema['properties'] as Record<string, SchemaObject> | undefined;
  for (const [key, child] of Object.entries(properties ?? {})) {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    const rawType: unknown = child['type'];
    const types = Array.isArray(rawType) ? rawType.map(String) : [String(rawType)];
    const items = child['items'] as SchemaObject | undefined;
    if (types.includes('object')) {
      collectSettings(child, path, into);
    } else if (types.includes('array') && items !== undefined && items['type'] === 'object') {
      // Arrays of tables (openid_connect) are addressed by their item keys.
      collectSettings(items, path, into);
    } else {
      into.set(path, { path, types, isSecret: child['secret'] === true });
    }
  }
}

function buildSettings(): ReadonlyMap<string, SettingInfo> {
  const settings = new Map<string, SettingInfo>();
  collectSettings(CONFIG_SCHEMA, '', settings);
  return settings;
}

/** Every key a user can set, by dotted path (array indexes left out). */
export const SETTINGS: ReadonlyMap<string, SettingInfo> = buildSettings();

/** Dotted paths of the tables inside owned sections, offered as did-you-mean targets too. */
export const SUBSECTION_PATHS: readonly string[] = [
  'auth.openid_connect',
  'auth.forward_auth',
  'auth.forward_auth.rules',
  'auth.rate_limits',
  'notifications.smtp_config',
];

/**
 * `checkSchema` also validates CONFIG_SCHEMA against JSON Schema's meta-schema: a test does that;
 * start-up skips it (about 70 ms), as the schema is part of the build, not of the user's input.
 */
export function compileConfigValidator({ checkSchema = false } = {}): ValidateFunction<ConfigFile> {
  // Both packages are CommonJS: under NodeNext the default import is `module.exports`, and the
  // class / plugin is its `default` property (set by both packages, so this also holds at runtime).
  const ajv = new Ajv2020({
    allErrors: true,
    useDefaults: true,
    verbose: true,
    strict: true,
    allowUnionTypes: true,
    validateSchema: checkSchema,
  });
  addFormats(ajv, ['email']);
  ajv.addFormat('http-url', { type: 'string', validate: isHttpUrl });
  ajv.addFormat('postgres-url', { type: 'string', validate: isPostgresUrl });
  // Annotation only: marks values that must never appear in a message.
  ajv.addKeyword({ keyword: 'secret', schemaType: 'boolean' });
  return ajv.compile<ConfigFile>(CONFIG_SCHEMA as SchemaObject);
}

/** Validates in place: fills in defaults, then reports problems in `validateConfigFile.errors`. */
export const validateConfigFile: ValidateFunction<ConfigFile> = compileConfigValidator();

export type SchemaError = ErrorObject;
