/** TOML text -> plain tables. */
import TOML from '@iarna/toml';

import { isTable, type Table } from './common.js';
import { ConfigError } from './errors.js';

export function parseToml(text: string, file: string): Table {
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
      typeof details.line === 'number' && typeof details.col === 'number' ? ` at line ${details.line + 1}, column ${details.col + 1}` : '';
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
