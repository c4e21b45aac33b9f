/**
 * config.toml + GATEHOUSE_* environment overrides -> validated, frozen Config.
 *
 * Pure apart from reading files: the caller passes argv, env and cwd, so nothing here reads
 * process.env or process.argv. Every problem found is collected and reported at once in a
 * ConfigError, one per line, so a misconfigured deployment needs one restart to fix, not ten.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

import TOML from '@iarna/toml';
import { distance } from 'fastest-levenshtein';
import proxyAddr from 'proxy-addr';

import {
  FORMAT_DESCRIPTIONS,
  IGNORED_MISC_KEYS,
  KNOWN_FOREIGN_SECTIONS,
  OWNED_NOTIFICATION_KEY,
  OWNED_SECTIONS,
  SETTINGS,
  SUBSECTION_PATHS,
  validateConfigFile,
  type SchemaError,
  type SettingInfo,
  type ValidatedConfigFile,
} from './schema.js';
import type { Config, LoadedConfig } from './types.js';

export interface LoadConfigOptions {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

/** Thrown for any configuration problem; `message` lists every problem, one per line. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(problems.join('\n'));
    this.problems = Object.freeze([...problems]);
  }
}

/** The placeholder in config.example.toml. Refused, so nobody runs with a secret printed in a repo. */
export const EXAMPLE_TOKEN_SECRET = 'REPLACE_ME_with_the_output_of_openssl_rand_hex_32';

/** Token secrets printed in public docs: anyone could forge tokens signed with them. */
const PUBLISHED_TOKEN_SECRETS: ReadonlySet<string> = new Set(
  [
    // MediaManager's documentation example.
    'a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8s9t0u1v2w3x4y5z6',
    // MediaManager's config.example.toml.
    'CHANGE_ME_GENERATE_RANDOM_STRING',
    EXAMPLE_TOKEN_SECRET,
  ].map((secret) => secret.toLowerCase()),
);

const TOKEN_SECRET_HINT =
  'Generate one with `openssl rand -hex 32` ' +
  '(or `node -e "console.log(require(\'crypto\').randomBytes(32).toString(\'hex\'))"`) ' +
  'and set it as auth.token_secret, GATEHOUSE_AUTH__TOKEN_SECRET or GATEHOUSE_AUTH__TOKEN_SECRET_FILE.';

const ENV_PREFIX = 'GATEHOUSE_';
/** The one list of tables; environment overrides address its first entry. */
const PROVIDERS_PATH = 'auth.openid_connect';
const ENV_FILE_SUFFIX = '_file';
const TOKEN_SECRET_MIN_LENGTH = 32;

const BOOLEAN_WORDS: ReadonlyMap<string, boolean> = new Map([
  ['true', true],
  ['false', false],
  ['1', true],
  ['0', false],
  ['yes', true],
  ['no', false],
]);

type Table = Record<string, unknown>;

interface ConfigLocation {
  readonly path: string;
  /** How the path was chosen, for the "file not found" message. */
  readonly reason: string;
}

/** Where values came from, for messages: the file, or the variable that overrode a key. */
interface Origins {
  readonly file: string;
  /** JSON pointer of an overridden value -> the environment variable that set it. */
  readonly variables: Map<string, string>;
  /** `[auth.openid_connect]` was one table (MediaManager's form): show keys without an index. */
  readonly isSingleProvider: boolean;
}

export function loadConfig(options: LoadConfigOptions): LoadedConfig {
  const location = resolveConfigLocation(options);
  const raw = parseToml(readConfigFile(location), location.path);

  const problems: string[] = [];
  const notices: string[] = [];
  const ignored = setAsideForeignSettings(raw, location.path, problems);
  if (ignored.length > 0) notices.push(describeIgnoredSettings(ignored));

  const isSingleProvider = wrapSingleProvider(raw);
  const origins: Origins = { file: location.path, variables: new Map(), isSingleProvider };
  applyEnvOverrides(raw, options, origins, problems, notices);
  prepareForValidation(raw);

  const isValid = validateConfigFile(raw);
  const schemaErrors = validateConfigFile.errors ?? [];
  for (const message of new Set(schemaErrors.map((error) => describeSchemaError(error, origins)))) {
    if (message !== undefined) problems.push(message);
  }
  problems.push(...checkTokenSecretIsUnpublished(raw, origins));
  problems.push(...checkProviderNamesAreUnique(raw, origins));
  if (isValid) problems.push(...checkSettingsAgree(raw, origins));

  if (problems.length > 0 || !isValid) throw new ConfigError(problems);
  const config = buildConfig(raw);
  return Object.freeze({ config: deepFreeze(config), path: location.path, notices: Object.freeze(notices) });
}

// ---------------------------------------------------------------------------------------------
// Finding, reading and parsing the file

function resolveConfigLocation(options: LoadConfigOptions): ConfigLocation {
  const argument = findConfigArgument(options.argv);
  if (argument !== undefined) {
    return { path: resolve(options.cwd, argument.value), reason: `given by ${argument.flag}` };
  }
  const configFile = options.env['CONFIG_FILE'];
  if (configFile !== undefined && configFile !== '') {
    return { path: resolve(options.cwd, configFile), reason: 'given by the CONFIG_FILE environment variable' };
  }
  const configDir = options.env['CONFIG_DIR'];
  if (configDir !== undefined && configDir !== '') {
    return {
      path: resolve(options.cwd, configDir, 'config.toml'),
      reason: 'config.toml in the directory given by the CONFIG_DIR environment variable',
    };
  }
  return {
    path: resolve(options.cwd, 'config.toml'),
    reason: 'the default, ./config.toml, as neither --config, CONFIG_FILE nor CONFIG_DIR is set',
  };
}

function findConfigArgument(argv: readonly string[]): { flag: string; value: string } | undefined {
  let found: { flag: string; value: string } | undefined;
  for (let index = 0; index < argv.length; index += 1) {
    const argument = argv[index];
    if (argument === '--') break;
    if (argument === '--config') {
      const value = argv[index + 1];
      if (value === undefined || value === '') {
        throw new ConfigError(['--config needs a path, e.g. --config /etc/gatehouse/config.toml']);
      }
      found = { flag: `--config ${value}`, value };
      index += 1;
    } else if (argument?.startsWith('--config=') === true) {
      const value = argument.slice('--config='.length);
      if (value === '') {
        throw new ConfigError(['--config= needs a path, e.g. --config=/etc/gatehouse/config.toml']);
      }
      found = { flag: argument, value };
    }
  }
  return found;
}

function readConfigFile(location: ConfigLocation): string {
  try {
    return readFileSync(location.path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new ConfigError([
        `No config file at ${location.path} (${location.reason}). ` +
          `Copy config.example.toml to ${location.path} and edit it, ` +
          'or point --config or CONFIG_FILE at your config.toml.',
      ]);
    }
    if (code === 'EISDIR') {
      throw new ConfigError([`${location.path} (${location.reason}) is a directory, not a config file.`]);
    }
    throw new ConfigError([`Cannot read ${location.path} (${location.reason}): ${code ?? String(error)}.`]);
  }
}

function parseToml(text: string, file: string): Table {
  let parsed: unknown;
  try {
    parsed = TOML.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    const details = error as { message?: unknown; line?: unknown; col?: unknown };
    // The parser's message ends with an excerpt of the file, which may show a secret: keep the
    // first sentence only and give the position ourselves (the parser counts from 0).
    const reason = String(details.message ?? error)
      .split('\n')[0]
      ?.replace(/ at row \d+, col \d+, pos \d+:?$/, '');
    const position =
      typeof details.line === 'number' && typeof details.col === 'number'
        ? ` at line ${details.line + 1}, column ${details.col + 1}`
        : '';
    throw new ConfigError([`${file} is not valid TOML${position}: ${reason ?? 'parse error'}.`]);
  }
  return copyToPlainValue(parsed) as Table;
}

/** Copies the parser's null-prototype tables into plain objects we can annotate and fill in. */
function copyToPlainValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copyToPlainValue);
  if (isTable(value)) {
    return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, copyToPlainValue(child)]));
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// MediaManager's sections

/** Removes what belongs to MediaManager (so one config.toml can serve both) and returns its names. */
function setAsideForeignSettings(raw: Table, file: string, problems: string[]): string[] {
  const sections: string[] = [];
  for (const [key, value] of Object.entries(raw)) {
    if (isOwnedSection(key)) continue;
    delete raw[key];
    if (!isTable(value) && !isArrayOfTables(value)) {
      problems.push(describeUnknownKey(key, `in ${file}`));
      continue;
    }
    const intended = findOwnedSectionLike(key);
    if (intended !== undefined) {
      problems.push(`Unknown section [${key}] in ${file}. Did you mean [${intended}]?`);
      continue;
    }
    sections.push(key);
  }

  const nestedSections: string[] = [];
  const notifications = raw['notifications'];
  if (isTable(notifications)) {
    for (const key of Object.keys(notifications)) {
      if (key === OWNED_NOTIFICATION_KEY) continue;
      if (distance(key, OWNED_NOTIFICATION_KEY) <= 2) {
        // Probably our table misspelt, not one of MediaManager's notifiers: ignoring it would
        // silently disable email.
        problems.push(describeUnknownKey(`notifications.${key}`, `in ${file}`));
        continue;
      }
      delete notifications[key];
      nestedSections.push(`notifications.${key}`);
    }
  }

  const keys: string[] = [];
  const misc = raw['misc'];
  if (isTable(misc)) {
    for (const key of IGNORED_MISC_KEYS) {
      if (!(key in misc)) continue;
      delete misc[key];
      keys.push(`misc.${key}`);
    }
  }
  return [...sections.sort(), ...nestedSections.sort(), ...keys.sort()];
}

function describeIgnoredSettings(names: readonly string[]): string {
  const hasKeys = names.some((name) => name.startsWith('misc.'));
  return `Ignoring ${hasKeys ? 'sections and keys' : 'sections'} Gatehouse does not use: ${names.join(', ')}`;
}

function isOwnedSection(key: string): boolean {
  return (OWNED_SECTIONS as readonly string[]).includes(key);
}

/** A foreign section name that is one slip away from ours, e.g. [sever] or [Auth]. */
function findOwnedSectionLike(key: string): string | undefined {
  if (KNOWN_FOREIGN_SECTIONS.includes(key)) return undefined;
  const lower = key.toLowerCase();
  for (const section of OWNED_SECTIONS) {
    const allowed = section.length >= 5 ? 2 : 1;
    if (distance(lower, section) <= allowed) return section;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Environment overrides: GATEHOUSE_SECTION__KEY and GATEHOUSE_SECTION__KEY_FILE

interface EnvOverride {
  readonly variable: string;
  readonly isFile: boolean;
  readonly value: string;
}

function applyEnvOverrides(
  raw: Table,
  options: LoadConfigOptions,
  origins: Origins,
  problems: string[],
  notices: string[],
): void {
  const overridesBySetting = new Map<string, EnvOverride[]>();
  for (const [variable, value] of Object.entries(options.env)) {
    if (value === undefined || !variable.toUpperCase().startsWith(ENV_PREFIX)) continue;
    const rest = variable.slice(ENV_PREFIX.length).toLowerCase();
    if (!rest.includes('__')) {
      // Not a setting (e.g. GATEHOUSE_TEST_POSTGRES_URL), unless it looks like one with "_" for "__".
      const meant = [...SETTINGS.keys()].find((path) => path.replaceAll('.', '_') === rest);
      if (meant !== undefined) {
        notices.push(`Ignoring ${variable}: did you mean ${formatEnvName(meant)}? (sections and keys are separated by "__")`);
      }
      continue;
    }
    const path = rest.split('__').join('.');
    const isFile = !SETTINGS.has(path) && path.endsWith(ENV_FILE_SUFFIX) && SETTINGS.has(stripFileSuffix(path));
    const settingPath = isFile ? stripFileSuffix(path) : path;
    if (!SETTINGS.has(settingPath)) {
      problems.push(describeUnknownVariable(variable, path));
      continue;
    }
    const overrides = overridesBySetting.get(settingPath) ?? [];
    overrides.push({ variable, isFile, value });
    overridesBySetting.set(settingPath, overrides);
  }

  for (const [settingPath, overrides] of [...overridesBySetting].sort(([a], [b]) => a.localeCompare(b))) {
    const [override, ...others] = overrides;
    if (override === undefined) continue;
    if (others.length > 0) {
      const names = overrides.map((entry) => entry.variable).sort();
      const listed = names.length === 2 ? `Both ${names.join(' and ')}` : names.join(', ');
      problems.push(`${listed} set ${settingPath}; set only one of them.`);
      continue;
    }
    const value = override.isFile ? readValueFile(override, options.cwd, problems) : override.value;
    if (value === undefined) continue;
    const setting = SETTINGS.get(settingPath);
    if (setting === undefined) continue;
    const pointer = setValueAtPath(raw, settingPath, coerceEnvValue(value, setting));
    if (pointer !== undefined) origins.variables.set(pointer, override.variable);
  }
}

function readValueFile(override: EnvOverride, cwd: string, problems: string[]): string | undefined {
  if (override.value === '') {
    problems.push(`${override.variable} is empty; it should name a file holding the value.`);
    return undefined;
  }
  const path = resolve(cwd, override.value);
  try {
    // Secret files usually end with a newline that is not part of the secret.
    return readFileSync(path, 'utf8').replace(/[\r\n]+$/, '');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    problems.push(`Cannot read ${override.variable}=${override.value} (${path}): ${code}.`);
    return undefined;
  }
}

/** Turns the variable's text into the type the schema expects; anything else is left for it to report. */
function coerceEnvValue(value: string, setting: SettingInfo): unknown {
  const { types } = setting;
  const trimmed = value.trim();
  if (types.includes('array')) return parseListValue(value);
  if (types.includes('boolean')) {
    const isOnlyBoolean = types.length === 1;
    const word = trimmed.toLowerCase();
    if (isOnlyBoolean) return BOOLEAN_WORDS.get(word) ?? value;
    if (word === 'true' || word === 'false') return word === 'true';
  }
  if (types.includes('integer') && /^[+-]?\d+$/.test(trimmed)) {
    const number = Number(trimmed);
    if (Number.isSafeInteger(number)) return number;
  }
  return value;
}

/** A JSON array (`["a@x.org"]`) or a comma-separated list (`a@x.org, b@x.org`). */
function parseListValue(value: string): unknown {
  const trimmed = value.trim();
  if (trimmed.startsWith('[')) {
    try {
      return JSON.parse(trimmed) as unknown;
    } catch {
      return value;
    }
  }
  return trimmed
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/**
 * Sets `auth.session_lifetime`-style paths, creating missing tables. Provider keys go to the first
 * provider. Returns the JSON pointer written, or undefined when the file has a non-table in the
 * way (the schema reports that).
 */
function setValueAtPath(raw: Table, path: string, value: unknown): string | undefined {
  const segments = path.split('.');
  const key = segments.pop();
  if (key === undefined) return undefined;
  const pointer: string[] = [];
  let node: Table = raw;
  for (const segment of segments) {
    pointer.push(segment);
    let child = node[segment];
    if (child === undefined) {
      child = pointer.join('.') === PROVIDERS_PATH ? [] : {};
      node[segment] = child;
    }
    if (Array.isArray(child)) {
      if (child.length === 0) child.push({});
      child = child[0];
      pointer.push('0');
    }
    if (!isTable(child)) return undefined;
    node = child;
  }
  node[key] = value;
  pointer.push(key);
  return `/${pointer.join('/')}`;
}

function describeUnknownVariable(variable: string, path: string): string {
  const isFile = path.endsWith(ENV_FILE_SUFFIX);
  const suggestion = suggestSetting(path) ?? (isFile ? suggestSetting(stripFileSuffix(path)) : undefined);
  const suffix = isFile && suggestion !== undefined && !path.startsWith(suggestion) ? '_FILE' : '';
  const hint =
    suggestion === undefined
      ? ` Settings are named ${ENV_PREFIX}SECTION__KEY, e.g. ${formatEnvName('auth.token_secret')}.`
      : ` Did you mean ${formatEnvName(suggestion)}${suffix}?`;
  return `Unknown environment variable ${variable}: Gatehouse has no setting "${path}".${hint}`;
}

function formatEnvName(path: string): string {
  return ENV_PREFIX + path.split('.').join('__').toUpperCase();
}

function stripFileSuffix(path: string): string {
  return path.slice(0, -ENV_FILE_SUFFIX.length);
}

// ---------------------------------------------------------------------------------------------
// Shaping the raw tables for the schema

/** `[auth.openid_connect]` (one table) becomes a one-element list. Returns whether it was one table. */
function wrapSingleProvider(raw: Table): boolean {
  const auth = raw['auth'];
  if (!isTable(auth)) return true;
  const providers = auth['openid_connect'];
  if (isTable(providers)) {
    auth['openid_connect'] = [providers];
    return true;
  }
  return providers === undefined;
}

function prepareForValidation(raw: Table): void {
  const auth = raw['auth'];
  // Normalised before validation so " Admin@Example.com " passes the email format check.
  if (isTable(auth) && Array.isArray(auth['admin_emails'])) {
    auth['admin_emails'] = auth['admin_emails'].map((email: unknown) =>
      typeof email === 'string' ? normaliseEmail(email) : email,
    );
  }
  // An empty url or host (often from an unset compose variable) means "not set": embedded database.
  const database = raw['database'];
  if (isTable(database)) {
    for (const key of ['url', 'host']) {
      const value = database[key];
      if (typeof value === 'string' && value.trim() === '') delete database[key];
    }
  }
}

function normaliseEmail(email: string): string {
  return email.trim().normalize('NFC').toLowerCase();
}

// ---------------------------------------------------------------------------------------------
// Checks the schema cannot express

function checkTokenSecretIsUnpublished(raw: Table, origins: Origins): string[] {
  const auth = raw['auth'];
  const secret = isTable(auth) ? auth['token_secret'] : undefined;
  if (typeof secret !== 'string' || secret.length < TOKEN_SECRET_MIN_LENGTH) return [];
  if (!PUBLISHED_TOKEN_SECRETS.has(secret.trim().toLowerCase())) return [];
  const where = describeWhere('/auth/token_secret', origins);
  return [
    `auth.token_secret ${where} is a published example value, so anyone could forge sign-in tokens. ${TOKEN_SECRET_HINT}`,
  ];
}

function checkProviderNamesAreUnique(raw: Table, origins: Origins): string[] {
  const auth = raw['auth'];
  const providers = isTable(auth) ? auth['openid_connect'] : undefined;
  if (!Array.isArray(providers)) return [];
  const counts = new Map<string, number>();
  for (const provider of providers) {
    const name = isTable(provider) ? provider['name'] : undefined;
    if (typeof name === 'string') counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return [...counts]
    .filter(([, count]) => count > 1)
    .map(
      ([name, count]) =>
        `auth.openid_connect in ${origins.file}: ${count} providers are named "${name}". ` +
        'Names must be unique (case-sensitive): each is part of its redirect URI.',
    );
}

function checkSettingsAgree(file: ValidatedConfigFile, origins: Origins): string[] {
  const problems: string[] = [];
  if (file.auth.email_password_resets && file.notifications.smtp_config === undefined) {
    problems.push(
      `auth.email_password_resets is true ${describeWhere('/auth/email_password_resets', origins)}, ` +
        'but there is no [notifications.smtp_config] table to send the reset emails with.',
    );
  }
  if (!file.auth.password_login_enabled && !file.auth.openid_connect.some((provider) => provider.enabled)) {
    problems.push(
      `auth.password_login_enabled is false ${describeWhere('/auth/password_login_enabled', origins)}, ` +
        'but no [auth.openid_connect] provider is enabled, so nobody could sign in.',
    );
  }
  problems.push(...checkOidcProvidersAgree(file, origins));
  problems.push(...checkProxySettingsAgree(file, origins));
  return problems;
}

/** trusted_proxies entries proxy-addr understands; frontend_url and cookie_domain that fit together. */
function checkProxySettingsAgree(file: ValidatedConfigFile, origins: Origins): string[] {
  const problems: string[] = [];
  for (const entry of file.server.trusted_proxies) {
    try {
      proxyAddr.compile(entry);
    } catch {
      problems.push(
        `server.trusted_proxies ${describeWhere('/server/trusted_proxies', origins)}: "${entry}" is not an IP ` +
          'address, a CIDR range (e.g. "10.0.0.0/8") or one of "loopback", "linklocal", "uniquelocal".',
      );
    }
  }
  const frontendUrl = new URL(file.misc.frontend_url);
  if (frontendUrl.search !== '' || frontendUrl.hash !== '' || frontendUrl.username !== '' || frontendUrl.password !== '') {
    problems.push(
      `misc.frontend_url ${describeWhere('/misc/frontend_url', origins)} must be a plain address with an optional ` +
        'path, like "https://media.example.com" or "https://media.example.com/auth": no query, fragment or user info.',
    );
  }
  const cookieDomain = file.auth.cookie_domain.replace(/^\./, '').toLowerCase();
  const host = frontendUrl.hostname.toLowerCase();
  if (cookieDomain !== '' && host !== cookieDomain && !host.endsWith(`.${cookieDomain}`)) {
    problems.push(
      `auth.cookie_domain ${describeWhere('/auth/cookie_domain', origins)} is "${cookieDomain}", but ` +
        `misc.frontend_url's host ${host} is not in it, so browsers would refuse the session cookie. ` +
        `Use a parent domain of ${host}, or leave cookie_domain empty.`,
    );
  }
  return problems;
}

function checkOidcProvidersAgree(file: ValidatedConfigFile, origins: Origins): string[] {
  const problems: string[] = [];
  const enabled = file.auth.openid_connect.filter((provider) => provider.enabled);
  const autoLaunched = enabled.filter((provider) => provider.auto_launch).map((provider) => `"${provider.name}"`);
  if (autoLaunched.length > 1) {
    problems.push(
      `auth.openid_connect in ${origins.file}: auto_launch is true for ${autoLaunched.join(' and ')}; ` +
        'the login page can send visitors to one provider only, so set it on at most one.',
    );
  }
  const oauthCallback = enabled.filter((provider) => provider.callback === 'oauth').map((provider) => `"${provider.name}"`);
  if (oauthCallback.length > 0 && enabled.length > 1) {
    problems.push(
      `auth.openid_connect in ${origins.file}: callback = "oauth" (${oauthCallback.join(', ')}) uses the one ` +
        'redirect URI /api/v1/auth/oauth/callback, which cannot tell providers apart, but ' +
        `${enabled.length} providers are enabled. Use callback = "provider" (the default) with several providers.`,
    );
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Schema errors -> sentences. Secret values are never quoted.

function describeSchemaError(error: SchemaError, origins: Origins): string | undefined {
  const segments = parsePointer(error.instancePath);
  const key = describeKey(segments, origins);
  const where = describeWhere(error.instancePath, origins);
  const isSecret = isSecretPath(segments);
  const got = `(got ${describeValue(error.data, isSecret)})`;
  const isForEnabledProvider = error.schemaPath.includes('/then/');
  const params = error.params as Record<string, unknown>;
  const parentSchema = (error.parentSchema ?? {}) as Record<string, unknown>;

  switch (error.keyword) {
    case 'if':
      // Its "then" errors say what is wrong.
      return undefined;
    case 'additionalProperties': {
      const keySegments = [...segments, String(params['additionalProperty'])];
      return describeUnknownKey(joinPath(keySegments), where, describeKey(keySegments, origins));
    }
    case 'required': {
      const keySegments = [...segments, String(params['missingProperty'])];
      if (isForEnabledProvider) return `${describeKey(keySegments, origins)} ${where} must be set when enabled = true`;
      return describeMissingKey(keySegments, origins);
    }
    case 'type':
      return `${key} ${where} must be ${describeTypes(params['type'], origins.variables.has(error.instancePath))} ${got}`;
    case 'minLength': {
      const limit = Number(params['limit']);
      if (joinPath(segments) === 'auth.token_secret') {
        const length = typeof error.data === 'string' ? error.data.length : 0;
        return `auth.token_secret ${where} is too short (${length} characters; at least ${limit} are needed). ${TOKEN_SECRET_HINT}`;
      }
      if (limit === 1 && isForEnabledProvider) return `${key} ${where} must be set when enabled = true`;
      if (limit === 1) return `${key} ${where} must not be empty`;
      return `${key} ${where} must be at least ${limit} characters long ${got}`;
    }
    case 'maxLength':
      return `${key} ${where} must be at most ${String(params['limit'])} characters long`;
    case 'minimum':
    case 'maximum': {
      const { minimum, maximum } = parentSchema;
      if (typeof minimum === 'number' && typeof maximum === 'number') {
        return `${key} ${where} must be between ${minimum} and ${maximum} ${got}`;
      }
      const bound = error.keyword === 'minimum' ? 'at least' : 'at most';
      return `${key} ${where} must be ${bound} ${String(params['limit'])} ${got}`;
    }
    case 'enum': {
      const allowed = (params['allowedValues'] as unknown[]).map((value) => JSON.stringify(value));
      return `${key} ${where} must be one of ${allowed.join(', ')} ${got}`;
    }
    case 'format': {
      const format = String(params['format']);
      if (isForEnabledProvider && error.data === '') return `${key} ${where} must be set when enabled = true`;
      return `${key} ${where} must be ${FORMAT_DESCRIPTIONS[format] ?? `a valid ${format}`} ${got}`;
    }
    case 'pattern': {
      const description = parentSchema['description'];
      return `${key} ${where} must be ${typeof description === 'string' ? description : `a value matching ${String(params['pattern'])}`} ${got}`;
    }
    default:
      return `${key} ${where} ${error.message ?? 'is invalid'}`;
  }
}

function describeMissingKey(segments: readonly string[], origins: Origins): string {
  const key = describeKey(segments, origins);
  const path = joinPath(segments);
  const file = origins.file;
  if (path === 'auth.token_secret') return `auth.token_secret is missing from ${file}. ${TOKEN_SECRET_HINT}`;
  if (path === 'auth.admin_emails') {
    return (
      `auth.admin_emails is missing from ${file}: list the administrators' email addresses, ` +
      'e.g. admin_emails = ["you@example.com"] (admin_emails = [] is allowed).'
    );
  }
  if (path.startsWith('notifications.smtp_config.')) {
    return `${key} is missing from ${file}; it is needed when [notifications.smtp_config] is present (remove that table to send no email).`;
  }
  return `${key} is missing from ${file}.`;
}

/** `path` is the dotted setting path; `shown` the same key as the user wrote it (with any index). */
function describeUnknownKey(path: string, where: string, shown: string = path): string {
  const suggestion = suggestSetting(path);
  if (suggestion !== undefined) return `Unknown key "${shown}" ${where}. Did you mean "${suggestion}"?`;
  const section = path.includes('.') ? path.slice(0, path.lastIndexOf('.')) : '';
  const known = [...SETTINGS.keys(), ...SUBSECTION_PATHS]
    .filter((candidate) => candidate.startsWith(`${section}.`) && !candidate.slice(section.length + 1).includes('.'))
    .map((candidate) => candidate.slice(section.length + 1));
  if (section === '' || known.length === 0) return `Unknown key "${shown}" ${where}.`;
  return `Unknown key "${shown}" ${where}. Keys in [${section}]: ${known.join(', ')}.`;
}

/** The closest known key, if it is close enough to be what was meant. */
function suggestSetting(path: string): string | undefined {
  const candidates = [...SETTINGS.keys(), ...SUBSECTION_PATHS];
  const closest = findClosest(path, candidates);
  if (closest !== undefined && closest.distance <= Math.max(2, Math.floor(path.length / 5))) return closest.value;
  // Right key, wrong section: "server.frontend_url" -> "misc.frontend_url".
  const leaf = path.slice(path.lastIndexOf('.') + 1);
  const byLeaf = findClosest(
    leaf,
    candidates.map((candidate) => candidate.slice(candidate.lastIndexOf('.') + 1)),
  );
  if (byLeaf === undefined || byLeaf.distance > (leaf.length > 6 ? 2 : 1)) return undefined;
  return candidates.find((candidate) => candidate.endsWith(`.${byLeaf.value}`));
}

function findClosest(input: string, candidates: readonly string[]): { value: string; distance: number } | undefined {
  let best: { value: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const candidateDistance = distance(input.toLowerCase(), candidate);
    if (best === undefined || candidateDistance < best.distance) best = { value: candidate, distance: candidateDistance };
  }
  return best;
}

function describeTypes(type: unknown, isFromEnv: boolean): string {
  const types = (Array.isArray(type) ? type : [type]).map(String).filter((name) => name !== 'null');
  const words = types.map((name) => {
    switch (name) {
      case 'string':
        return 'a string';
      case 'integer':
        return 'an integer';
      case 'number':
        return 'a number';
      case 'boolean':
        return isFromEnv ? 'a boolean (true/false, 1/0 or yes/no)' : 'a boolean (true or false)';
      case 'array':
        return isFromEnv ? 'a list (a JSON array or comma-separated)' : 'a list';
      case 'object':
        return 'a table';
      default:
        return name;
    }
  });
  if (words.length <= 1) return words[0] ?? 'something else';
  return `${words.slice(0, -1).join(', ')} or ${words[words.length - 1] ?? ''}`;
}

function describeValue(value: unknown, isSecret: boolean): string {
  if (value instanceof Date) return 'a date-time';
  if (Array.isArray(value)) return 'a list';
  if (value === null || value === undefined) return 'nothing';
  if (isTable(value)) return 'a table';
  if (typeof value === 'string') {
    if (isSecret) return `a string of ${value.length} characters`;
    const shown = value.length > 80 ? `${value.slice(0, 77)}...` : value;
    return `string ${JSON.stringify(shown)}`;
  }
  if (typeof value === 'number') {
    const kind = Number.isInteger(value) ? 'integer' : 'float';
    return isSecret ? kind : `${kind} ${value}`;
  }
  if (typeof value === 'boolean') return isSecret ? 'boolean' : `boolean ${value}`;
  return typeof value;
}

/** "in /etc/gatehouse/config.toml", or "from GATEHOUSE_SERVER__PORT" for an overridden value. */
function describeWhere(pointer: string, origins: Origins): string {
  for (let current = pointer; current !== ''; current = current.slice(0, current.lastIndexOf('/'))) {
    const variable = origins.variables.get(current);
    if (variable !== undefined) return `from ${variable}`;
  }
  return `in ${origins.file}`;
}

/** "auth.admin_emails[1]", "auth.openid_connect[0].name", or "auth.openid_connect.name" for one table. */
function describeKey(segments: readonly string[], origins: Origins): string {
  let key = '';
  segments.forEach((segment, index) => {
    if (/^\d+$/.test(segment)) {
      const isProviderIndex = segments[index - 1] === 'openid_connect';
      if (!(isProviderIndex && origins.isSingleProvider)) key += `[${segment}]`;
    } else {
      key += key === '' ? segment : `.${segment}`;
    }
  });
  return key === '' ? '(the whole file)' : key;
}

/** The dotted setting path, array indexes left out: "auth.openid_connect.name". */
function joinPath(segments: readonly string[]): string {
  return segments.filter((segment) => !/^\d+$/.test(segment)).join('.');
}

function isSecretPath(segments: readonly string[]): boolean {
  return SETTINGS.get(joinPath(segments))?.isSecret === true;
}

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'));
}

// ---------------------------------------------------------------------------------------------
// Building the result

function buildConfig(file: ValidatedConfigFile): Config {
  const { server, auth, notifications, misc, database, logging, metrics } = file;
  const smtp = notifications.smtp_config;
  const logLevel = logging.level ?? server.log_level;
  return {
    server: {
      host: server.host,
      port: server.port,
      trusted_proxies: [...server.trusted_proxies],
      log_level: logLevel,
    },
    auth: {
      token_secret: auth.token_secret,
      session_lifetime: auth.session_lifetime,
      session_idle_timeout: auth.session_idle_timeout,
      session_cache_seconds: auth.session_cache_seconds,
      reauthentication_window: auth.reauthentication_window,
      admin_emails: [...new Set(auth.admin_emails.map(normaliseEmail))],
      email_password_resets: auth.email_password_resets,
      registration_enabled: auth.registration_enabled,
      password_login_enabled: auth.password_login_enabled,
      bcrypt_cost: auth.bcrypt_cost,
      password_hash_queue_limit: auth.password_hash_queue_limit,
      setup_link_lifetime: auth.setup_link_lifetime,
      reset_link_lifetime: auth.reset_link_lifetime,
      password_reset_subject: auth.password_reset_subject,
      email_verification_lifetime: auth.email_verification_lifetime,
      email_verification_subject: auth.email_verification_subject,
      cookie_domain: auth.cookie_domain.replace(/^\./, '').toLowerCase(),
      forward_auth: {
        allowed_hosts: auth.forward_auth.allowed_hosts.map((host) => host.toLowerCase()),
        rules: auth.forward_auth.rules.map((rule) => ({
          host: rule.host.toLowerCase(),
          admin_only: rule.admin_only,
          groups: [...rule.groups],
        })),
      },
      openid_connect: auth.openid_connect.map((provider) => ({
        enabled: provider.enabled,
        client_id: provider.client_id,
        client_secret: provider.client_secret,
        configuration_endpoint: provider.configuration_endpoint,
        name: provider.name,
        scopes: provider.scopes.trim().split(/\s+/).join(' '),
        button_text: provider.button_text,
        icon_url: provider.icon_url,
        auto_register: provider.auto_register,
        allow_unverified_email: provider.allow_unverified_email,
        auto_launch: provider.auto_launch,
        username_claim: provider.username_claim,
        groups_claim: provider.groups_claim,
        admin_groups: [...provider.admin_groups],
        allowed_groups: [...provider.allowed_groups],
        token_endpoint_auth_method: provider.token_endpoint_auth_method,
        timeout: provider.timeout,
        end_session: provider.end_session,
        callback: provider.callback,
      })),
      rate_limits: { ...auth.rate_limits },
    },
    notifications: {
      smtp_config:
        smtp === undefined
          ? null
          : {
              smtp_host: smtp.smtp_host,
              smtp_port: smtp.smtp_port,
              smtp_user: smtp.smtp_user,
              smtp_password: smtp.smtp_password,
              from_email: smtp.from_email,
              use_tls: smtp.use_tls,
              implicit_tls: smtp.implicit_tls,
              ca_file: smtp.ca_file,
              from_name: smtp.from_name,
              connection_timeout: smtp.connection_timeout,
              send_timeout: smtp.send_timeout,
            },
    },
    // Stored without a trailing slash so callers can append "/api/v1/..." directly.
    misc: {
      frontend_url: misc.frontend_url.replace(/\/+$/, ''),
      // Origins have no trailing slash (browsers send "https://host", never "https://host/").
      cors_urls: [...new Set(misc.cors_urls.map((url) => new URL(url).origin))],
    },
    audit: { retention_days: file.audit.retention_days },
    database: {
      url: database.url,
      host: database.host,
      port: database.port,
      user: database.user,
      password: database.password,
      dbname: database.dbname,
      data_dir: database.data_dir,
      pool_size: database.pool_size,
      pool_timeout: database.pool_timeout,
    },
    logging: { level: logLevel, format: logging.format },
    metrics: { enabled: metrics.enabled },
  };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

function isTable(value: unknown): value is Table {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

function isArrayOfTables(value: unknown): boolean {
  return Array.isArray(value) && value.every(isTable);
}
