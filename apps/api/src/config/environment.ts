/** Environment overrides: GATEHOUSE_SECTION__KEY and GATEHOUSE_SECTION__KEY_FILE (a file holding the value). */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

import { isTable, type LoadConfigOptions, type Origins, type Table } from './common.js';
import { suggestSetting } from './messages.js';
import { SETTINGS, type SettingInfo } from './schema.js';

const ENV_PREFIX = 'GATEHOUSE_';
/** The one list of tables; environment overrides address its first entry. */
const PROVIDERS_PATH = 'auth.openid_connect';
const ENV_FILE_SUFFIX = '_file';

const BOOLEAN_WORDS: ReadonlyMap<string, boolean> = new Map([
  ['true', true],
  ['false', false],
  ['1', true],
  ['0', false],
  ['yes', true],
  ['no', false],
]);

interface EnvOverride {
  readonly variable: string;
  readonly isFile: boolean;
  readonly value: string;
}

export function applyEnvOverrides(raw: Table, options: LoadConfigOptions, origins: Origins, problems: string[], notices: string[]): void {
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

export function formatEnvName(path: string): string {
  return ENV_PREFIX + path.split('.').join('__').toUpperCase();
}

function stripFileSuffix(path: string): string {
  return path.slice(0, -ENV_FILE_SUFFIX.length);
}
