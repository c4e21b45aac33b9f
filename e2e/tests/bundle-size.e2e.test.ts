// The sign-in page's JavaScript budget: 100 KB gzipped, measured on the built app from Vite's
// manifest by apps/web/scripts/bundle-size.mjs (which `pnpm build` also runs, and which fails the
// build over budget). The admin pages must stay out of it, loaded lazily.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { expect, test } from '@jest/globals';
import { REPO_ROOT } from '../support/gatehouse-server.js';

interface BundleReport {
  budgetBytes: number;
  totalGzipBytes: number;
  isWithinBudget: boolean;
  eagerChunks: { file: string; gzipBytes: number }[];
  lazyChunks: { file: string; gzipBytes: number; source: string }[];
}

test('the sign-in page loads at most 100 KB of gzipped JavaScript, and the users page lazily', () => {
  const script = path.join(REPO_ROOT, 'apps/web/scripts/bundle-size.mjs');
  const report = JSON.parse(execFileSync(process.execPath, [script, '--json'], { encoding: 'utf8' })) as BundleReport;
  expect(report.budgetBytes).toBe(100 * 1024);
  expect(report.eagerChunks.length).toBeGreaterThan(0);
  expect(report.totalGzipBytes).toBe(report.eagerChunks.reduce((sum, chunk) => sum + chunk.gzipBytes, 0));
  expect(report.totalGzipBytes).toBeLessThanOrEqual(report.budgetBytes);
  expect(report.isWithinBudget).toBe(true);
  expect(report.lazyChunks.map((chunk) => chunk.source)).toContain('src/features/admin-users/admin-users-page.tsx');
  console.log(`sign-in page JavaScript: ${(report.totalGzipBytes / 1024).toFixed(1)} KB gzipped`);
});
