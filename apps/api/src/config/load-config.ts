/**
 * config.toml + GATEHOUSE_* environment overrides -> validated, frozen Config, in steps, each in
 * its own module: locate and read the file (locate.ts), parse it (parse.ts), set aside
 * MediaManager's sections (mediamanager.ts), apply the environment (environment.ts), shape and
 * validate against the schema (shape.ts, schema.ts), check what the schema cannot (checks.ts),
 * build (build.ts). Problems become sentences in messages.ts.
 *
 * Pure apart from reading files: the caller passes argv, env and cwd, so nothing here reads
 * process.env or process.argv. Every problem found is collected and reported at once in a
 * ConfigError, one per line, so a misconfigured deployment needs one restart to fix, not ten.
 */
import { buildConfig } from './build.js';
import { checkProviderNamesAreUnique, checkSettingsAgree, checkTokenSecretIsUnpublished } from './checks.js';
import type { LoadConfigOptions, Origins, Table } from './common.js';
import { applyEnvOverrides } from './environment.js';
import { ConfigError } from './errors.js';
import { readConfigFile, resolveConfigLocation } from './locate.js';
import { describeIgnoredSettings, setAsideForeignSettings } from './mediamanager.js';
import { describeSchemaError } from './messages.js';
import { parseToml } from './parse.js';
import { validateConfigFile } from './schema.js';
import { prepareForValidation, wrapSingleProvider } from './shape.js';
import type { Config, LoadedConfig } from './types.js';

export { ConfigError } from './errors.js';
export { EXAMPLE_TOKEN_SECRET } from './checks.js';
export type { LoadConfigOptions } from './common.js';

export function loadConfig(options: LoadConfigOptions): LoadedConfig {
  const location = resolveConfigLocation(options);
  const raw = parseToml(readConfigFile(location), location.path);
  return buildFromTables(raw, location.path, options);
}

/**
 * The same steps for tables already in memory (what parsing a config.toml gives), without reading
 * a file: tests build their configs here, so they get the schema's defaults and checks too.
 */
export function buildConfigFromTables(tables: Table, options: { env?: LoadConfigOptions['env']; name?: string } = {}): Config {
  return buildFromTables(structuredClone(tables), options.name ?? '(configuration in memory)', {
    argv: [],
    env: options.env ?? {},
    cwd: '/',
  }).config;
}

function buildFromTables(raw: Table, file: string, options: LoadConfigOptions): LoadedConfig {
  const problems: string[] = [];
  const notices: string[] = [];
  const ignored = setAsideForeignSettings(raw, file, problems);
  if (ignored.length > 0) notices.push(describeIgnoredSettings(ignored));

  const isSingleProvider = wrapSingleProvider(raw);
  const origins: Origins = { file, variables: new Map(), isSingleProvider };
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
  return Object.freeze({ config: buildConfig(raw), path: file, notices: Object.freeze(notices) });
}
