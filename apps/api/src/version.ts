import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

/** apps/api/package.json (the same depth from src and dist). */
const PACKAGE_JSON = fileURLToPath(new URL('../package.json', import.meta.url));

/** This build's version, from its package.json. */
export function readVersion(): string {
  try {
    return (JSON.parse(fs.readFileSync(PACKAGE_JSON, 'utf8')) as { version?: string }).version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}
