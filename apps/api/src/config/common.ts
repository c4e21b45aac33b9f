/** What every part of the loader shares: the options, the raw tables, where values came from. */

export interface LoadConfigOptions {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

/** A TOML table as parsed, before validation. */
export type Table = Record<string, unknown>;

/** Where values came from, for messages: the file, or the variable that overrode a key. */
export interface Origins {
  readonly file: string;
  /** JSON pointer of an overridden value -> the environment variable that set it. */
  readonly variables: Map<string, string>;
  /** `[auth.openid_connect]` was one table (MediaManager's form): show keys without an index. */
  readonly isSingleProvider: boolean;
}

export function isTable(value: unknown): value is Table {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

export function isArrayOfTables(value: unknown): boolean {
  return Array.isArray(value) && value.every(isTable);
}
