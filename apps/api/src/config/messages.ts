/** Schema errors and unknown keys -> sentences that say where and what to do. Secret values are never quoted. */
import { distance } from 'fastest-levenshtein';

import { isTable, type Origins } from './common.js';
import { FORMAT_DESCRIPTIONS, SETTINGS, SUBSECTION_PATHS, type SchemaError } from './schema.js';

export const TOKEN_SECRET_HINT =
  'Generate one with `openssl rand -hex 32` ' +
  "(or `node -e \"console.log(require('crypto').randomBytes(32).toString('hex'))\"`) " +
  'and set it as auth.token_secret, GATEHOUSE_AUTH__TOKEN_SECRET or GATEHOUSE_AUTH__TOKEN_SECRET_FILE.';

export function describeSchemaError(error: SchemaError, origins: Origins): string | undefined {
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
export function describeUnknownKey(path: string, where: string, shown: string = path): string {
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
export function suggestSetting(path: string): string | undefined {
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
export function describeWhere(pointer: string, origins: Origins): string {
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
