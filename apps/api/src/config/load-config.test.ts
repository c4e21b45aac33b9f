import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, describe, expect, it } from '@jest/globals';

import { ConfigError, EXAMPLE_TOKEN_SECRET, loadConfig, type LoadConfigOptions } from './load-config.js';
import { SETTINGS, compileConfigValidator } from './schema.js';
import type { LoadedConfig, RateLimitsConfig } from './types.js';

/** [auth.rate_limits] as a config.toml without that table gets it: the documented defaults. */
const DEFAULT_RATE_LIMITS: RateLimitsConfig = {
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
  second_factor_failures_per_account: 5,
  second_factor_failures_per_client: 50,
  passkey_options_per_client: 600,
  api_key_failures_per_client: 100,
};

const HERE = dirname(fileURLToPath(import.meta.url));
const MEDIAMANAGER_FIXTURE = join(HERE, 'fixtures', 'mediamanager.toml');
const EXAMPLE_CONFIG = resolve(HERE, '../../../../config.example.toml');

const SECRET = '9b1f3c5e7a9d2b4f6e8a0c2d4f6b8e0a1c3e5f7b9d1a3c5e7f9b2d4a6c8e0f2b';
const MINIMAL_TOML = `[auth]\ntoken_secret = "${SECRET}"\nadmin_emails = []\n`;

/** Every Gatehouse-only OpenID Connect provider key at its default. */
const OIDC_PROVIDER_DEFAULTS = {
  scopes: 'openid email profile',
  button_text: 'Sign in with {name}',
  icon_url: '',
  auto_register: true,
  allow_unverified_email: false,
  auto_launch: false,
  username_claim: 'preferred_username',
  groups_claim: 'groups',
  admin_groups: [],
  allowed_groups: [],
  token_endpoint_auth_method: 'client_secret_basic',
  timeout: 10,
  end_session: true,
  require_second_factor: false,
  callback: 'provider',
};

const temporaryDirs: string[] = [];

afterAll(() => {
  for (const dir of temporaryDirs) rmSync(dir, { recursive: true, force: true });
});

function makeTempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-config-'));
  temporaryDirs.push(dir);
  return dir;
}

/** Writes `text` as config.toml (or `name`) in a fresh directory and returns its absolute path. */
function writeConfig(text: string, name = 'config.toml'): string {
  const path = join(makeTempDir(), name);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  return path;
}

function loadFile(path: string, env: LoadConfigOptions['env'] = {}): LoadedConfig {
  return loadConfig({ argv: ['--config', path], env, cwd: '/' });
}

function loadToml(text: string, env: LoadConfigOptions['env'] = {}): LoadedConfig {
  return loadFile(writeConfig(text), env);
}

function catchConfigError(load: () => unknown): ConfigError {
  try {
    load();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('the config schema', () => {
  it('is valid against JSON Schema 2020-12 (start-up skips this check)', () => {
    expect(() => compileConfigValidator({ checkSchema: true })).not.toThrow();
  });
});

describe('choosing the config file', () => {
  it('reads --config <path>, relative to cwd', () => {
    const path = writeConfig(MINIMAL_TOML, 'etc/gatehouse.toml');
    const cwd = dirname(dirname(path));
    expect(loadConfig({ argv: ['node', 'main.js', '--config', 'etc/gatehouse.toml'], env: {}, cwd }).path).toBe(path);
  });

  it('reads --config=<path>', () => {
    const path = writeConfig(MINIMAL_TOML, 'other.toml');
    expect(loadConfig({ argv: [`--config=${path}`], env: {}, cwd: '/' }).path).toBe(path);
  });

  it('prefers --config over CONFIG_FILE and CONFIG_DIR', () => {
    const path = writeConfig(MINIMAL_TOML);
    const loaded = loadConfig({ argv: ['--config', path], env: { CONFIG_FILE: '/nope.toml', CONFIG_DIR: '/nope' }, cwd: '/' });
    expect(loaded.path).toBe(path);
  });

  it('reads CONFIG_FILE, then CONFIG_DIR/config.toml, then ./config.toml', () => {
    const path = writeConfig(MINIMAL_TOML);
    const dir = dirname(path);
    expect(loadConfig({ argv: [], env: { CONFIG_FILE: path, CONFIG_DIR: '/nope' }, cwd: '/' }).path).toBe(path);
    expect(loadConfig({ argv: [], env: { CONFIG_DIR: dir }, cwd: '/' }).path).toBe(path);
    expect(loadConfig({ argv: [], env: {}, cwd: dir }).path).toBe(path);
  });

  it.each([
    ['--config <path>', { argv: ['--config', 'missing.toml'], env: {} }, 'missing.toml', '--config missing.toml'],
    ['--config=<path>', { argv: ['--config=missing.toml'], env: {} }, 'missing.toml', '--config=missing.toml'],
    ['CONFIG_FILE', { argv: [], env: { CONFIG_FILE: 'missing.toml' } }, 'missing.toml', 'CONFIG_FILE'],
    ['CONFIG_DIR', { argv: [], env: { CONFIG_DIR: 'conf' } }, 'conf/config.toml', 'CONFIG_DIR'],
    ['./config.toml', { argv: [], env: {} }, 'config.toml', 'neither --config, CONFIG_FILE nor CONFIG_DIR'],
  ])('names the path tried and why when the file is missing (%s)', (_rule, options, expectedPath, reason) => {
    const cwd = makeTempDir();
    const error = catchConfigError(() => loadConfig({ ...options, cwd }));
    expect(error.problems).toHaveLength(1);
    expect(error.message).toContain(`No config file at ${join(cwd, expectedPath)}`);
    expect(error.message).toContain(reason);
    expect(error.message).toContain('Copy config.example.toml');
  });

  it('says so when the path is a directory', () => {
    const dir = makeTempDir();
    const error = catchConfigError(() => loadConfig({ argv: [], env: { CONFIG_FILE: dir }, cwd: '/' }));
    expect(error.message).toBe(`${dir} (given by the CONFIG_FILE environment variable) is a directory, not a config file.`);
  });

  it('refuses --config without a path', () => {
    expect(catchConfigError(() => loadConfig({ argv: ['--config'], env: {}, cwd: '/' })).message).toContain('--config needs a path');
  });
});

describe('TOML syntax errors', () => {
  it('gives the file, line and column without echoing the file', () => {
    const path = writeConfig(`[auth]\nadmin_emails = []\ntoken_secret = "${SECRET}\n`);
    const error = catchConfigError(() => loadFile(path));
    expect(error.message).toMatch(new RegExp(`^${path} is not valid TOML at line 3, column \\d+: Unterminated string\\.$`));
    expect(error.message).not.toContain(SECRET);
  });
});

describe('unknown keys', () => {
  it('names the key and file and suggests the closest key', () => {
    const path = writeConfig(`${MINIMAL_TOML}token_secert = "x"\n`);
    const error = catchConfigError(() => loadFile(path));
    expect(error.message).toBe(`Unknown key "auth.token_secert" in ${path}. Did you mean "auth.token_secret"?`);
  });

  it('suggests the right section for a key in the wrong one', () => {
    const error = catchConfigError(() => loadToml(`${MINIMAL_TOML}[server]\nfrontend_url = "https://x.org"\n`));
    expect(error.message).toContain('Unknown key "server.frontend_url"');
    expect(error.message).toContain('Did you mean "misc.frontend_url"?');
  });

  it('lists the known keys when nothing is close', () => {
    const error = catchConfigError(() => loadToml(`${MINIMAL_TOML}[server]\nwibble = 1\n`));
    expect(error.message).toContain('Keys in [server]: host, port, trusted_proxies, log_level.');
  });

  it('treats a misspelt owned section as an error, not a MediaManager section', () => {
    const error = catchConfigError(() => loadToml(`${MINIMAL_TOML}[sever]\nport = 1\n`));
    expect(error.message).toContain('Unknown section [sever]');
    expect(error.message).toContain('Did you mean [server]?');
  });

  it('treats a misspelt smtp_config as an error, not a MediaManager notifier', () => {
    const error = catchConfigError(() => loadToml(`${MINIMAL_TOML}[notifications.smtp_cofig]\nsmtp_host = "x"\n`));
    expect(error.message).toContain('Did you mean "notifications.smtp_config"?');
  });

  it('checks keys inside [[auth.openid_connect]] tables', () => {
    const error = catchConfigError(() =>
      loadToml(`${MINIMAL_TOML}[[auth.openid_connect]]\nname = "A"\n[[auth.openid_connect]]\nname = "B"\nclientid = "x"\n`),
    );
    expect(error.message).toContain('Unknown key "auth.openid_connect[1].clientid"');
    expect(error.message).toContain('Did you mean "auth.openid_connect.client_id"?');
  });

  it('suggests the section for a key outside any section', () => {
    const error = catchConfigError(() => loadToml(`frontend_url = "https://x.org"\n${MINIMAL_TOML}`));
    expect(error.message).toContain('Unknown key "frontend_url"');
    expect(error.message).toContain('Did you mean "misc.frontend_url"?');
  });
});

describe('wrong types and values', () => {
  it('names the key, the file, what was expected and what was found', () => {
    const path = writeConfig(MINIMAL_TOML.replace('[auth]\n', '[auth]\nsession_lifetime = "1d"\n'));
    const error = catchConfigError(() => loadFile(path));
    expect(error.message).toBe(`auth.session_lifetime in ${path} must be an integer (got string "1d")`);
  });

  it('takes session_cache_seconds from 0 (off) to 60 and refuses more', () => {
    expect(loadToml(MINIMAL_TOML.replace('[auth]\n', '[auth]\nsession_cache_seconds = 0\n')).config.auth.session_cache_seconds).toBe(0);
    const path = writeConfig(MINIMAL_TOML.replace('[auth]\n', '[auth]\nsession_cache_seconds = 61\n'));
    const error = catchConfigError(() => loadFile(path));
    expect(error.message).toContain('auth.session_cache_seconds');
  });

  it('caps session_lifetime at 90 days and keeps session_idle_timeout between 5 minutes and 90 days (default 7 days)', () => {
    const with_ = (line: string) => MINIMAL_TOML.replace('[auth]\n', `[auth]\n${line}\n`);
    expect(loadToml(MINIMAL_TOML).config.auth.session_idle_timeout).toBe(604800);
    expect(loadToml(with_('session_lifetime = 7776000')).config.auth.session_lifetime).toBe(7776000);
    expect(catchConfigError(() => loadFile(writeConfig(with_('session_lifetime = 7776001')))).message).toContain('auth.session_lifetime');
    expect(loadToml(with_('session_idle_timeout = 300')).config.auth.session_idle_timeout).toBe(300);
    expect(loadToml(with_('session_idle_timeout = 7776000')).config.auth.session_idle_timeout).toBe(7776000);
    expect(catchConfigError(() => loadFile(writeConfig(with_('session_idle_timeout = 299')))).message).toContain('auth.session_idle_timeout');
    expect(catchConfigError(() => loadFile(writeConfig(with_('session_idle_timeout = 7776001')))).message).toContain('auth.session_idle_timeout');
  });

  it('lists every problem, one per line', () => {
    const path = writeConfig(
      `${MINIMAL_TOML}bcrypt_cost = 20\n[server]\nport = "http"\nlog_level = "verbose"\n[misc]\nfrontend_url = "media.example.com"\n`,
    );
    const error = catchConfigError(() => loadFile(path));
    expect(error.message.split('\n')).toEqual([
      `server.port in ${path} must be an integer (got string "http")`,
      `server.log_level in ${path} must be one of "fatal", "error", "warn", "info", "debug", "trace", "silent" (got string "verbose")`,
      `auth.bcrypt_cost in ${path} must be between 10 and 15 (got integer 20)`,
      `misc.frontend_url in ${path} must be an absolute http:// or https:// URL (got string "media.example.com")`,
    ]);
  });

  it('describes TOML tables and dates', () => {
    const error = catchConfigError(() => loadToml(`${MINIMAL_TOML}[server]\nhost = 1979-05-27T07:32:00Z\nport = { a = 1 }\n`));
    expect(error.message).toContain('server.host in');
    expect(error.message).toContain('must be a string (got a date-time)');
    expect(error.message).toContain('server.port in');
    expect(error.message).toContain('must be an integer (got a table)');
  });

  it('never shows the value of a secret key', () => {
    const password = 'hunter2-database-password';
    const error = catchConfigError(() =>
      loadToml(
        `[auth]\ntoken_secret = 123456789012345678901234567890123\nadmin_emails = []\n` +
          `[database]\nurl = "mysql://root:${password}@db/x"\npassword = 7\n` +
          `[notifications.smtp_config]\nsmtp_host = "h"\nfrom_email = "a@b.co"\nsmtp_password = false\n`,
      ),
    );
    expect(error.problems).toHaveLength(4);
    expect(error.message).toContain('auth.token_secret in');
    expect(error.message).toContain('must be a string (got integer)');
    expect(error.message).toContain('database.url in');
    expect(error.message).toContain('must be a postgres:// or postgresql:// URL (got a string of');
    expect(error.message).toContain('notifications.smtp_config.smtp_password in');
    expect(error.message).not.toContain(password);
    expect(error.message).not.toContain('1234567890');
    expect(error.message).not.toMatch(/got (integer|boolean) [\d\w]/);
  });

  it('requires smtp_host and from_email when [notifications.smtp_config] is present', () => {
    const error = catchConfigError(() => loadToml(`${MINIMAL_TOML}[notifications.smtp_config]\nsmtp_port = 25\n`));
    expect(error.problems).toHaveLength(2);
    expect(error.message).toContain('notifications.smtp_config.smtp_host is missing');
    expect(error.message).toContain('notifications.smtp_config.from_email is missing');
  });

  it('requires admin_emails (an empty list is fine)', () => {
    const error = catchConfigError(() => loadToml(`[auth]\ntoken_secret = "${SECRET}"\n`));
    expect(error.message).toContain('auth.admin_emails is missing from');
    expect(error.message).toContain('admin_emails = [] is allowed');
  });

  it('checks admin_emails are email addresses', () => {
    const error = catchConfigError(() => loadToml(MINIMAL_TOML.replace('admin_emails = []', 'admin_emails = ["a@b.co", "bob"]')));
    expect(error.message).toContain('auth.admin_emails[1] in');
    expect(error.message).toContain('must be an email address (got string "bob")');
  });

  it('refuses password resets without SMTP', () => {
    const error = catchConfigError(() => loadToml(`${MINIMAL_TOML}email_password_resets = true\n`));
    expect(error.message).toContain('no [notifications.smtp_config] table');
  });

  it('refuses turning off password sign-in with no OpenID Connect provider enabled', () => {
    const error = catchConfigError(() => loadToml(`${MINIMAL_TOML}password_login_enabled = false\n`));
    expect(error.message).toContain('nobody could sign in');
  });
});

describe('token_secret', () => {
  const HINT = 'openssl rand -hex 32';

  it('is required, with a hint on how to make one', () => {
    const error = catchConfigError(() => loadToml('[auth]\nadmin_emails = []\n'));
    expect(error.message).toContain('auth.token_secret is missing from');
    expect(error.message).toContain(HINT);
    expect(error.message).toContain("require('crypto').randomBytes(32).toString('hex')");
  });

  it('is refused when shorter than 32 characters, without showing it', () => {
    const short = 'tooshort-but-secret-1234';
    const error = catchConfigError(() => loadToml(MINIMAL_TOML.replace(SECRET, short)));
    expect(error.message).toContain('auth.token_secret in');
    expect(error.message).toContain(`is too short (${short.length} characters; at least 32 are needed)`);
    expect(error.message).toContain(HINT);
    expect(error.message).not.toContain(short);
  });

  it.each([
    ['MediaManager docs example', 'a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8s9t0u1v2w3x4y5z6'],
    ["MediaManager's placeholder", 'CHANGE_ME_GENERATE_RANDOM_STRING'],
    ["config.example.toml's placeholder", EXAMPLE_TOKEN_SECRET],
  ])('is refused when it is a published example (%s), without showing it', (_name, published) => {
    const error = catchConfigError(() => loadToml(MINIMAL_TOML.replace(SECRET, published)));
    expect(error.problems).toHaveLength(1);
    expect(error.message).toContain('is a published example value');
    expect(error.message).toContain(HINT);
    expect(error.message).not.toContain(published);
  });

  it('is checked when it comes from the environment too', () => {
    const error = catchConfigError(() => loadToml(MINIMAL_TOML, { GATEHOUSE_AUTH__TOKEN_SECRET: 'CHANGE_ME_GENERATE_RANDOM_STRING' }));
    expect(error.message).toContain('auth.token_secret from GATEHOUSE_AUTH__TOKEN_SECRET is a published example value');
  });
});

describe('a MediaManager config.toml', () => {
  it('loads unchanged, with one notice naming everything ignored', () => {
    const loaded = loadFile(MEDIAMANAGER_FIXTURE);
    expect(loaded.path).toBe(MEDIAMANAGER_FIXTURE);
    expect(loaded.notices).toEqual([
      'Ignoring sections and keys Gatehouse does not use: indexers, metadata, torrents, ' +
        'notifications.email_notifications, notifications.gotify, ' +
        'misc.api_base_path, misc.development',
    ]);
    const { config } = loaded;
    expect(config.misc.frontend_url).toBe('https://media.example.com');
    // MediaManager's CORS key is read, not ignored.
    expect(config.misc.cors_urls).toEqual(['https://media.example.com']);
    expect(config.database).toMatchObject({ url: null, host: 'db', port: 5432, dbname: 'MediaManager' });
    expect(config.auth.admin_emails).toEqual(['admin@example.com', 'admin2@example.com']);
    expect(config.auth.openid_connect).toEqual([
      {
        enabled: false,
        client_id: '',
        client_secret: '',
        configuration_endpoint: 'https://openid.example.com/.well-known/openid-configuration',
        name: 'OpenID',
        ...OIDC_PROVIDER_DEFAULTS,
      },
    ]);
    expect(config.notifications.smtp_config).toEqual({
      smtp_host: 'smtp.example.com',
      smtp_port: 587,
      smtp_user: 'admin',
      smtp_password: 'admin',
      from_email: 'mediamanager@example.com',
      use_tls: true,
      implicit_tls: false,
      ca_file: '',
      from_name: 'Gatehouse',
      connection_timeout: 10,
      send_timeout: 30,
    });
  });

  it('reads [auth.rate_limits], misc.cors_urls, [logging] and [metrics]', () => {
    const { config } = loadToml(
      MINIMAL_TOML.replace('[auth]\n', '[auth]\n') +
        '[auth.rate_limits]\nlogin_failures_per_account = 5\nlockout = 60\nbackoff_after = 2\n' +
        '[misc]\ncors_urls = ["https://app.example.com/", "http://localhost:3000"]\n' +
        '[logging]\nlevel = "debug"\nformat = "pretty"\n[metrics]\nenabled = true\n',
    );
    expect(config.auth.rate_limits).toEqual({ ...DEFAULT_RATE_LIMITS, login_failures_per_account: 5, lockout: 60, backoff_after: 2 });
    expect(config.misc.cors_urls).toEqual(['https://app.example.com', 'http://localhost:3000']);
    expect(config.logging).toEqual({ level: 'debug', format: 'pretty' });
    expect(config.server.log_level).toBe('debug');
    expect(config.metrics).toEqual({ enabled: true });
  });

  it('falls back to server.log_level when [logging] level is absent', () => {
    const { config } = loadToml(`${MINIMAL_TOML}[server]\nlog_level = "warn"\n`);
    expect(config.logging).toEqual({ level: 'warn', format: 'json' });
  });

  it('refuses bad values for the new keys, naming each', () => {
    const error = catchConfigError(() =>
      loadToml(
        `${MINIMAL_TOML}[auth.rate_limits]\nlockout = 0\nwindow = "soon"\n[misc]\ncors_urls = ["*"]\n` +
          '[logging]\nformat = "xml"\n[metrics]\nenabled = "yes please"\n',
      ),
    );
    expect(error.message).toContain('auth.rate_limits.lockout');
    expect(error.message).toContain('auth.rate_limits.window');
    expect(error.message).toContain('misc.cors_urls');
    expect(error.message).toContain('logging.format');
    expect(error.message).toContain('metrics.enabled');
  });

  it('says only "sections" when only sections are ignored', () => {
    const loaded = loadToml(`${MINIMAL_TOML}[torrents]\n[torrents.qbittorrent]\nenabled = false\n[indexers]\n[metadata]\n`);
    expect(loaded.notices).toEqual(['Ignoring sections Gatehouse does not use: indexers, metadata, torrents']);
  });
});

describe('environment overrides', () => {
  it('win over the file, with values coerced to the schema type', () => {
    const { config } = loadToml(`${MINIMAL_TOML}[server]\nport = 8000\n`, {
      GATEHOUSE_SERVER__PORT: '9000',
      GATEHOUSE_AUTH__REGISTRATION_ENABLED: 'yes',
      GATEHOUSE_AUTH__PASSWORD_LOGIN_ENABLED: '1',
      GATEHOUSE_AUTH__EMAIL_PASSWORD_RESETS: 'no',
      GATEHOUSE_AUTH__ADMIN_EMAILS: ' Admin@Example.com , other@example.com',
      GATEHOUSE_MISC__FRONTEND_URL: 'https://media.example.com/',
      GATEHOUSE_SERVER__TRUSTED_PROXIES: '10.1.0.0/16, 127.0.0.1',
      GATEHOUSE_DATABASE__URL: 'postgres://u:p@db:5432/gatehouse',
    });
    expect(config.server.port).toBe(9000);
    expect(config.auth.registration_enabled).toBe(true);
    expect(config.auth.password_login_enabled).toBe(true);
    expect(config.auth.email_password_resets).toBe(false);
    expect(config.auth.admin_emails).toEqual(['admin@example.com', 'other@example.com']);
    expect(config.misc.frontend_url).toBe('https://media.example.com');
    expect(config.server.trusted_proxies).toEqual(['10.1.0.0/16', '127.0.0.1']);
    expect(config.database.url).toBe('postgres://u:p@db:5432/gatehouse');
  });

  it('accept JSON arrays and lower-case names', () => {
    const { config } = loadToml(MINIMAL_TOML, {
      gatehouse_auth__admin_emails: '["a@example.com", "A@example.com"]',
      GATEHOUSE_SERVER__TRUSTED_PROXIES: '["loopback", "fd00::/8"]',
    });
    expect(config.auth.admin_emails).toEqual(['a@example.com']);
    expect(config.server.trusted_proxies).toEqual(['loopback', 'fd00::/8']);
  });

  it('can supply the whole [auth] section, and smtp_config and a provider that the file lacks', () => {
    const { config } = loadToml('', {
      GATEHOUSE_AUTH__TOKEN_SECRET: SECRET,
      GATEHOUSE_AUTH__ADMIN_EMAILS: '',
      GATEHOUSE_AUTH__OPENID_CONNECT__ENABLED: 'true',
      GATEHOUSE_AUTH__OPENID_CONNECT__CLIENT_ID: 'gatehouse',
      GATEHOUSE_AUTH__OPENID_CONNECT__CONFIGURATION_ENDPOINT: 'https://id.example.com/.well-known/openid-configuration',
      GATEHOUSE_NOTIFICATIONS__SMTP_CONFIG__SMTP_HOST: 'smtp.example.com',
      GATEHOUSE_NOTIFICATIONS__SMTP_CONFIG__FROM_EMAIL: 'gatehouse@example.com',
    });
    expect(config.auth.token_secret).toBe(SECRET);
    expect(config.auth.admin_emails).toEqual([]);
    expect(config.auth.openid_connect).toEqual([
      {
        enabled: true,
        client_id: 'gatehouse',
        client_secret: '',
        configuration_endpoint: 'https://id.example.com/.well-known/openid-configuration',
        name: 'OpenID',
        ...OIDC_PROVIDER_DEFAULTS,
      },
    ]);
    expect(config.notifications.smtp_config).toMatchObject({ smtp_host: 'smtp.example.com', smtp_port: 587 });
  });

  it('set the first of several providers', () => {
    const { config } = loadToml(`${MINIMAL_TOML}[[auth.openid_connect]]\nname = "A"\n[[auth.openid_connect]]\nname = "B"\n`, {
      GATEHOUSE_AUTH__OPENID_CONNECT__CLIENT_SECRET: 'from-env',
    });
    expect(config.auth.openid_connect.map((provider) => provider.client_secret)).toEqual(['from-env', '']);
  });

  it('read _FILE variants, dropping the trailing newline', () => {
    const secretFile = join(makeTempDir(), 'token_secret');
    writeFileSync(secretFile, `${SECRET}\n`);
    const { config } = loadToml('[auth]\nadmin_emails = []\n', { GATEHOUSE_AUTH__TOKEN_SECRET_FILE: secretFile });
    expect(config.auth.token_secret).toBe(SECRET);
  });

  it('refuse a variable and its _FILE variant together', () => {
    const error = catchConfigError(() =>
      loadToml(MINIMAL_TOML, { GATEHOUSE_AUTH__TOKEN_SECRET: SECRET, GATEHOUSE_AUTH__TOKEN_SECRET_FILE: '/run/secrets/x' }),
    );
    expect(error.message).toBe(
      'Both GATEHOUSE_AUTH__TOKEN_SECRET and GATEHOUSE_AUTH__TOKEN_SECRET_FILE set auth.token_secret; set only one of them.',
    );
  });

  it('report an unreadable _FILE with the variable and path', () => {
    const missing = join(makeTempDir(), 'absent');
    const error = catchConfigError(() => loadToml(MINIMAL_TOML, { GATEHOUSE_DATABASE__PASSWORD_FILE: missing }));
    expect(error.message).toContain(`Cannot read GATEHOUSE_DATABASE__PASSWORD_FILE=${missing}`);
    expect(error.message).toContain('ENOENT');
  });

  it('report an unknown GATEHOUSE_X__Y with a did-you-mean', () => {
    const error = catchConfigError(() => loadToml(MINIMAL_TOML, { GATEHOUSE_AUTH__TOKEN_SECRT: SECRET, GATEHOUSE_SMTP__HOST: 'x' }));
    expect(error.problems).toEqual([
      'Unknown environment variable GATEHOUSE_AUTH__TOKEN_SECRT: Gatehouse has no setting "auth.token_secrt". ' +
        'Did you mean GATEHOUSE_AUTH__TOKEN_SECRET?',
      'Unknown environment variable GATEHOUSE_SMTP__HOST: Gatehouse has no setting "smtp.host". ' + 'Did you mean GATEHOUSE_SERVER__HOST?',
    ]);
    expect(error.message).not.toContain(SECRET);
  });

  it('ignore GATEHOUSE_ variables without "__", noting ones that look like settings', () => {
    const loaded = loadToml(MINIMAL_TOML, {
      GATEHOUSE_TEST_POSTGRES_URL: 'postgres://x',
      GATEHOUSE_SERVER_PORT: '1',
    });
    expect(loaded.config.server.port).toBe(8000);
    expect(loaded.notices).toEqual([
      'Ignoring GATEHOUSE_SERVER_PORT: did you mean GATEHOUSE_SERVER__PORT? (sections and keys are separated by "__")',
    ]);
  });

  it('name the variable when its value is invalid', () => {
    const error = catchConfigError(() => loadToml(MINIMAL_TOML, { GATEHOUSE_SERVER__PORT: 'eighty', GATEHOUSE_AUTH__REGISTRATION_ENABLED: 'maybe' }));
    expect(error.problems).toEqual([
      'server.port from GATEHOUSE_SERVER__PORT must be an integer (got string "eighty")',
      'auth.registration_enabled from GATEHOUSE_AUTH__REGISTRATION_ENABLED must be a boolean (true/false, 1/0 or yes/no) (got string "maybe")',
    ]);
  });
});

describe('OpenID Connect providers', () => {
  const ENABLED = 'enabled = true\nclient_id = "gatehouse"\nconfiguration_endpoint = "https://id.example.com/.well-known/openid-configuration"\n';

  it('accepts an array of tables, as a list', () => {
    const { config } = loadToml(
      `${MINIMAL_TOML}[[auth.openid_connect]]\nname = "Authentik"\n${ENABLED}[[auth.openid_connect]]\nname = "authentik"\n`,
    );
    expect(config.auth.openid_connect.map((provider) => [provider.name, provider.enabled])).toEqual([
      ['Authentik', true],
      ['authentik', false],
    ]);
  });

  it('refuses duplicate names', () => {
    const path = writeConfig(`${MINIMAL_TOML}[[auth.openid_connect]]\nname = "Authentik"\n[[auth.openid_connect]]\nname = "Authentik"\n`);
    const error = catchConfigError(() => loadFile(path));
    expect(error.message).toBe(
      `auth.openid_connect in ${path}: 2 providers are named "Authentik". ` +
        'Names must be unique (case-sensitive): each is part of its redirect URI.',
    );
  });

  it('requires client_id and a configuration_endpoint URL once enabled', () => {
    const error = catchConfigError(() => loadToml(`${MINIMAL_TOML}[auth.openid_connect]\nenabled = true\n`));
    const explicit = catchConfigError(() =>
      loadToml(`${MINIMAL_TOML}[auth.openid_connect]\nenabled = true\nclient_id = ""\nconfiguration_endpoint = ""\n`),
    );
    const withoutPath = (problems: readonly string[]): string[] => problems.map((problem) => problem.replace(/ in \S+ /, ' '));
    expect(withoutPath(explicit.problems)).toEqual(withoutPath(error.problems));
    expect(error.problems).toEqual([
      expect.stringMatching(/^auth\.openid_connect\.client_id in .* must be set when enabled = true$/),
      expect.stringMatching(/^auth\.openid_connect\.configuration_endpoint in .* must be set when enabled = true$/),
    ]);
    const notUrl = catchConfigError(() =>
      loadToml(`${MINIMAL_TOML}[auth.openid_connect]\n${ENABLED.replace('https://id.example.com', 'id.example.com')}`),
    );
    expect(notUrl.message).toContain('must be an absolute http:// or https:// URL');
  });

  it('refuses a name that cannot be part of the redirect URI', () => {
    const error = catchConfigError(() => loadToml(`${MINIMAL_TOML}[auth.openid_connect]\nname = "a/b"\n`));
    expect(error.message).toContain('auth.openid_connect.name in');
    expect(error.message).toContain('part of the redirect URI');
  });

  it('reads every Gatehouse provider key, from the file and from the environment', () => {
    const { config } = loadToml(
      `${MINIMAL_TOML}[[auth.openid_connect]]\nname = "Keycloak"\n${ENABLED}` +
        'scopes = " openid   email profile groups "\nbutton_text = "Use {name}"\nicon_url = "https://kc.example/icon.svg"\n' +
        'auto_register = false\nauto_launch = true\nusername_claim = "email"\ngroups_claim = "roles"\n' +
        'admin_groups = ["admins"]\nallowed_groups = ["media", "admins"]\ntoken_endpoint_auth_method = "client_secret_post"\n' +
        'timeout = 5\nend_session = false\ncallback = "oauth"\nrequire_second_factor = true\n',
      { GATEHOUSE_AUTH__OPENID_CONNECT__ADMIN_GROUPS: 'admins, media-admins', GATEHOUSE_AUTH__OPENID_CONNECT__TIMEOUT: '7' },
    );
    expect(config.auth.openid_connect[0]).toEqual({
      enabled: true,
      client_id: 'gatehouse',
      client_secret: '',
      configuration_endpoint: 'https://id.example.com/.well-known/openid-configuration',
      name: 'Keycloak',
      scopes: 'openid email profile groups',
      button_text: 'Use {name}',
      icon_url: 'https://kc.example/icon.svg',
      auto_register: false,
      allow_unverified_email: false,
      auto_launch: true,
      username_claim: 'email',
      groups_claim: 'roles',
      admin_groups: ['admins', 'media-admins'],
      allowed_groups: ['media', 'admins'],
      token_endpoint_auth_method: 'client_secret_post',
      timeout: 7,
      end_session: false,
      require_second_factor: true,
      callback: 'oauth',
    });
  });

  it('refuses scopes without openid, unknown enum values and icons the page could not show', () => {
    const error = catchConfigError(() =>
      loadToml(
        `${MINIMAL_TOML}[auth.openid_connect]\nscopes = "email profile"\nusername_claim = "upn"\n` +
          'token_endpoint_auth_method = "private_key_jwt"\nicon_url = "http://insecure.example/icon.png"\ncallback = "Oauth"\n',
      ),
    );
    expect(error.message).toMatch(/auth\.openid_connect\.scopes in .* must be a space-separated list of scopes that includes "openid"/);
    expect(error.message).toMatch(/auth\.openid_connect\.username_claim in .* must be one of "preferred_username", "name", "nickname", "email"/);
    expect(error.message).toMatch(
      /auth\.openid_connect\.token_endpoint_auth_method in .* must be one of "client_secret_basic", "client_secret_post", "none"/,
    );
    expect(error.message).toMatch(/auth\.openid_connect\.icon_url in .* must be empty, an https:\/\/ URL/);
    expect(error.message).toMatch(/auth\.openid_connect\.callback in .* must be one of "provider", "oauth"/);
  });

  it('allows auto_launch on one enabled provider only, and callback = "oauth" only with one enabled provider', () => {
    const error = catchConfigError(() =>
      loadToml(
        `${MINIMAL_TOML}[[auth.openid_connect]]\nname = "A"\n${ENABLED}auto_launch = true\ncallback = "oauth"\n` +
          `[[auth.openid_connect]]\nname = "B"\n${ENABLED}auto_launch = true\n`,
      ),
    );
    expect(error.problems).toEqual([
      expect.stringMatching(/auto_launch is true for "A" and "B"; .* set it on at most one\.$/),
      expect.stringMatching(/callback = "oauth" \("A"\) .* 2 providers are enabled\. Use callback = "provider"/),
    ]);
    // A disabled provider does not count.
    const { config } = loadToml(
      `${MINIMAL_TOML}[[auth.openid_connect]]\nname = "A"\n${ENABLED}auto_launch = true\ncallback = "oauth"\n` +
        '[[auth.openid_connect]]\nname = "B"\nauto_launch = true\n',
    );
    expect(config.auth.openid_connect.map((provider) => provider.callback)).toEqual(['oauth', 'provider']);
  });
});

describe('defaults and normalisation', () => {
  it('fills in every default', () => {
    const { config, notices } = loadToml(MINIMAL_TOML);
    expect(notices).toEqual([]);
    expect(config).toEqual({
      server: {
        host: '0.0.0.0',
        port: 8000,
        trusted_proxies: ['127.0.0.0/8', '::1/128', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
        log_level: 'info',
      },
      auth: {
        token_secret: SECRET,
        session_lifetime: 86400,
        session_idle_timeout: 604800,
        session_cache_seconds: 5,
        reauthentication_window: 300,
        second_factor: 'optional',
        api_keys_allow_no_expiry: false,
        totp_issuer: 'Gatehouse',
        admin_emails: [],
        email_password_resets: false,
        registration_enabled: false,
        password_login_enabled: true,
        bcrypt_cost: 12,
        password_hash_queue_limit: 0,
        setup_link_lifetime: 86400,
        reset_link_lifetime: 3600,
        password_reset_subject: 'Reset your password',
        email_verification_lifetime: 86400,
        email_verification_subject: 'Confirm your email address',
        cookie_domain: '',
        forward_auth: { allowed_hosts: [], rules: [] },
        openid_connect: [],
        rate_limits: DEFAULT_RATE_LIMITS,
      },
      notifications: { smtp_config: null },
      misc: { frontend_url: 'http://localhost:8000', cors_urls: [] },
      database: {
        url: null,
        host: null,
        port: 5432,
        user: 'MediaManager',
        password: 'MediaManager',
        dbname: 'MediaManager',
        data_dir: './data',
        pool_size: 10,
        pool_timeout: 5,
      },
      audit: { retention_days: 90 },
      logging: { level: 'info', format: 'json' },
      metrics: { enabled: false },
    });
  });

  it('reads [audit] retention_days and refuses a retention below one day', () => {
    expect(loadToml(`${MINIMAL_TOML}[audit]\nretention_days = 365\n`).config.audit.retention_days).toBe(365);
    const error = catchConfigError(() => loadToml(`${MINIMAL_TOML}[audit]\nretention_days = 0\n`));
    expect(error.message).toContain('audit.retention_days');
  });

  it('fills in provider and smtp defaults', () => {
    const { config } = loadToml(`${MINIMAL_TOML}[auth.openid_connect]\n[notifications.smtp_config]\nsmtp_host = "mail"\nfrom_email = "a@b.co"\n`);
    expect(config.auth.openid_connect).toEqual([
      { enabled: false, client_id: '', client_secret: '', configuration_endpoint: '', name: 'OpenID', ...OIDC_PROVIDER_DEFAULTS },
    ]);
    expect(config.notifications.smtp_config).toEqual({
      smtp_host: 'mail',
      smtp_port: 587,
      smtp_user: '',
      smtp_password: '',
      from_email: 'a@b.co',
      use_tls: true,
      implicit_tls: false,
      ca_file: '',
      from_name: 'Gatehouse',
      connection_timeout: 10,
      send_timeout: 30,
    });
  });

  it('normalises admin_emails (trim, lower case, no duplicates)', () => {
    const { config } = loadToml(
      MINIMAL_TOML.replace('admin_emails = []', 'admin_emails = [" Admin@Example.COM ", "admin@example.com", "b@example.com"]'),
    );
    expect(config.auth.admin_emails).toEqual(['admin@example.com', 'b@example.com']);
  });

  it('normalises admin_emails to NFC before checking them', () => {
    // The email format (the same as packages/shared uses) is ASCII-only, so the composed form shows
    // up in the message: proof that normalisation ran first.
    const error = catchConfigError(() => loadToml(MINIMAL_TOML.replace('admin_emails = []', 'admin_emails = ["Jose\u0301@Example.com"]')));
    expect(error.message).toContain('(got string "jos\u00e9@example.com")');
  });

  it('stores frontend_url without a trailing slash and treats an empty database url/host as unset', () => {
    const { config } = loadToml(`${MINIMAL_TOML}[misc]\nfrontend_url = "https://x.org/media/"\n[database]\nurl = ""\nhost = " "\n`);
    expect(config.misc.frontend_url).toBe('https://x.org/media');
    expect(config.database.url).toBeNull();
    expect(config.database.host).toBeNull();
  });
});

describe('the result', () => {
  it('is deep-frozen', () => {
    const loaded = loadFile(MEDIAMANAGER_FIXTURE);
    expect(Object.isFrozen(loaded)).toBe(true);
    expect(Object.isFrozen(loaded.notices)).toBe(true);
    expect(Object.isFrozen(loaded.config.auth.admin_emails)).toBe(true);
    expect(Object.isFrozen(loaded.config.auth.openid_connect[0])).toBe(true);
    expect(Object.isFrozen(loaded.config.notifications.smtp_config)).toBe(true);
    expect(() => {
      (loaded.config.server as { port: number }).port = 1;
    }).toThrow(TypeError);
  });
});

describe('config.example.toml', () => {
  const example = readFileSync(EXAMPLE_CONFIG, 'utf8');

  it('loads once a real token_secret is supplied', () => {
    const { config, notices } = loadFile(EXAMPLE_CONFIG, { GATEHOUSE_AUTH__TOKEN_SECRET: SECRET });
    expect(notices).toEqual([]);
    expect(config.auth.admin_emails).toEqual(['admin@example.com']);
    expect(config.database.url).toBeNull();
    expect(config.database.host).toBeNull();
    expect(config.auth.openid_connect[0]?.enabled).toBe(false);
  });

  it('is refused as it stands, because of its placeholder token_secret', () => {
    const error = catchConfigError(() => loadFile(EXAMPLE_CONFIG));
    expect(error.problems).toHaveLength(1);
    expect(error.message).toContain('published example value');
  });

  it('keeps token_secret on one replaceable line', () => {
    expect(example.match(/^token_secret = "[^"\n]*"$/gm)).toEqual([`token_secret = "${EXAMPLE_TOKEN_SECRET}"`]);
  });

  it('mentions every setting', () => {
    for (const path of SETTINGS.keys()) {
      const key = path.slice(path.lastIndexOf('.') + 1);
      expect(example).toMatch(new RegExp(`^(# )?${key} = `, 'm'));
    }
  });

  it('stays valid with every commented-out setting switched on', () => {
    const uncommented = example.replace(/^# ((\[\[?[a-z_.]+\]\]?)|([a-z_]+ = .*))$/gm, '$1');
    expect(uncommented).toContain('\n[database]\n');
    expect(uncommented).toContain('\n[notifications.smtp_config]\n');
    const { config } = loadToml(uncommented, { GATEHOUSE_AUTH__TOKEN_SECRET: SECRET });
    expect(config.database.host).toBe('db');
    expect(config.notifications.smtp_config?.smtp_host).toBe('smtp.example.com');
    expect(config.auth.forward_auth.rules).toEqual([{ host: 'sonarr.example.com', groups: ['media-admins'], admin_only: false, api_keys: false }]);
  });
});

describe('reverse proxy, sub-path and ForwardAuth settings', () => {
  it('reads trusted_proxies, a sub-path frontend_url, cookie_domain, forward_auth rules and pool settings', () => {
    const { config } = loadToml(
      `${MINIMAL_TOML}[server]\ntrusted_proxies = ["10.0.0.0/8", "loopback"]\n` +
        '[misc]\nfrontend_url = "https://media.example.com/auth/"\n' +
        '[database]\npool_size = 4\npool_timeout = 2\n' +
        '[auth.forward_auth]\nallowed_hosts = ["Sonarr.example.com", "*.example.com"]\n' +
        '[[auth.forward_auth.rules]]\nhost = "sonarr.example.com"\ngroups = ["media"]\n' +
        '[[auth.forward_auth.rules]]\nhost = "*.admin.example.com"\nadmin_only = true\n',
      { GATEHOUSE_AUTH__COOKIE_DOMAIN: '.Example.com' },
    );
    expect(config.server.trusted_proxies).toEqual(['10.0.0.0/8', 'loopback']);
    expect(config.misc.frontend_url).toBe('https://media.example.com/auth');
    expect(config.auth.cookie_domain).toBe('example.com');
    expect(config.auth.forward_auth).toEqual({
      allowed_hosts: ['sonarr.example.com', '*.example.com'],
      rules: [
        { host: 'sonarr.example.com', admin_only: false, groups: ['media'], api_keys: false },
        { host: '*.admin.example.com', admin_only: true, groups: [], api_keys: false },
      ],
    });
    expect(config.database.pool_size).toBe(4);
    expect(config.database.pool_timeout).toBe(2);
  });

  it('refuses a trusted_proxies entry that is no address or range, naming it', () => {
    const error = catchConfigError(() => loadToml(`${MINIMAL_TOML}[server]\ntrusted_proxies = ["10.0.0.0/8", "traefik"]\n`));
    expect(error.problems).toEqual([expect.stringContaining('"traefik" is not an IP address, a CIDR range')]);
  });

  it("refuses a cookie_domain that does not contain frontend_url's host", () => {
    const error = catchConfigError(() =>
      loadToml(`${MINIMAL_TOML}[misc]\nfrontend_url = "https://auth.example.org"\n`, { GATEHOUSE_AUTH__COOKIE_DOMAIN: 'example.com' }),
    );
    expect(error.problems).toEqual([expect.stringContaining('auth.example.org is not in it')]);
  });

  it('refuses a frontend_url with a query', () => {
    const error = catchConfigError(() => loadToml(`${MINIMAL_TOML}[misc]\nfrontend_url = "https://media.example.com/auth?x=1"\n`));
    expect(error.problems).toEqual([expect.stringMatching(/^misc\.frontend_url .* no query, fragment or user info\.$/)]);
  });

  it('refuses a forward_auth host given as a URL', () => {
    const error = catchConfigError(() => loadToml(`${MINIMAL_TOML}[auth.forward_auth]\nallowed_hosts = ["https://app.example.com"]\n`));
    expect(error.problems).toEqual([expect.stringMatching(/^auth\.forward_auth\.allowed_hosts\[0\] .* must be a host name/)]);
  });
});
