/** Which file to read (--config, CONFIG_FILE, CONFIG_DIR or ./config.toml), and reading it. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

import type { LoadConfigOptions } from './common.js';
import { ConfigError } from './errors.js';

export interface ConfigLocation {
  readonly path: string;
  /** How the path was chosen, for the "file not found" message. */
  readonly reason: string;
}

export function resolveConfigLocation(options: LoadConfigOptions): ConfigLocation {
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

export function readConfigFile(location: ConfigLocation): string {
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
