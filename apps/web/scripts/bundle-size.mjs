#!/usr/bin/env node
// Reports the gzipped size of the JavaScript the sign-in page loads — the entry chunk and every
// chunk it imports statically, read from Vite's manifest — and fails (exit 1) over the budget.
// Chunks loaded lazily (the admin pages) are listed but not counted: the sign-in page never
// fetches them.
//   node scripts/bundle-size.mjs          human-readable report
//   node scripts/bundle-size.mjs --json   the same as one JSON object (for tests)
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/** The sign-in page's JavaScript budget, gzipped: 100 KB. */
export const SIGN_IN_JS_BUDGET_BYTES = 100 * 1024;

const DIST_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist');

function gzippedSize(file) {
  return gzipSync(readFileSync(path.join(DIST_DIR, file)), { level: 9 }).length;
}

export function measureSignInBundle() {
  const manifestPath = path.join(DIST_DIR, '.vite/manifest.json');
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read ${manifestPath} (build the web app first): ${error.message}`, { cause: error });
  }
  const entryKey = Object.keys(manifest).find((key) => manifest[key].isEntry);
  if (!entryKey) throw new Error(`${manifestPath} names no entry chunk`);

  const eager = new Set();
  const visit = (key) => {
    if (eager.has(key)) return;
    eager.add(key);
    for (const imported of manifest[key].imports ?? []) visit(imported);
  };
  visit(entryKey);

  const describe = (key) => ({ file: manifest[key].file, gzipBytes: gzippedSize(manifest[key].file) });
  const eagerChunks = [...eager].filter((key) => manifest[key].file.endsWith('.js')).map(describe);
  const lazyChunks = Object.keys(manifest)
    .filter((key) => !eager.has(key) && manifest[key].file.endsWith('.js'))
    .map((key) => ({ ...describe(key), source: manifest[key].src ?? key }));
  const totalGzipBytes = eagerChunks.reduce((sum, chunk) => sum + chunk.gzipBytes, 0);
  return {
    budgetBytes: SIGN_IN_JS_BUDGET_BYTES,
    totalGzipBytes,
    isWithinBudget: totalGzipBytes <= SIGN_IN_JS_BUDGET_BYTES,
    eagerChunks,
    lazyChunks,
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const report = measureSignInBundle();
  if (process.argv.includes('--json')) {
    console.log(JSON.stringify(report));
  } else {
    const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;
    console.log(`Sign-in page JavaScript: ${kb(report.totalGzipBytes)} gzipped (budget ${kb(report.budgetBytes)})`);
    for (const chunk of report.eagerChunks) console.log(`  ${chunk.file}  ${kb(chunk.gzipBytes)}`);
    for (const chunk of report.lazyChunks) console.log(`  lazy: ${chunk.file}  ${kb(chunk.gzipBytes)}  (${chunk.source})`);
  }
  if (!report.isWithinBudget) {
    console.error(`Over budget by ${report.totalGzipBytes - report.budgetBytes} bytes.`);
    process.exit(1);
  }
}
