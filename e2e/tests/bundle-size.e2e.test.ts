// The sign-in page's JavaScript budget: 100 KB gzipped, measured on the built app from Vite's
// manifest by apps/web/scripts/bundle-size.mjs (which `pnpm build` also runs, and which fails the
// build over budget). Then checked against what Chromium really fetches: opening /login loads
// exactly the chunks the report counts, and the signed-in pages' chunks only once someone is in.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { launchChromium, type LaunchedChromium } from '../support/chromium.js';
import { REPO_ROOT, startGatehouse, type RunningGatehouse, setPasswordFromSetupLink } from '../support/gatehouse-server.js';
import { openPage } from '../support/pages.js';

interface BundleReport {
  budgetBytes: number;
  totalGzipBytes: number;
  isWithinBudget: boolean;
  eagerChunks: { file: string; gzipBytes: number }[];
  lazyChunks: { file: string; gzipBytes: number; source: string }[];
}

const ADMIN_EMAIL = 'admin@example.com';
const ADMIN_PASSWORD = 'quarry lantern ribbon 27';

function bundleReport(): BundleReport {
  const script = path.join(REPO_ROOT, 'apps/web/scripts/bundle-size.mjs');
  return JSON.parse(execFileSync(process.execPath, [script, '--json'], { encoding: 'utf8' })) as BundleReport;
}

let gatehouse: RunningGatehouse | undefined;
let browser: LaunchedChromium | undefined;

beforeAll(async () => {
  gatehouse = await startGatehouse({
    configToml: ['[auth]', `token_secret = "${randomBytes(32).toString('hex')}"`, `admin_emails = ["${ADMIN_EMAIL}"]`, 'bcrypt_cost = 10', ''].join(
      '\n',
    ),
  });
  await setPasswordFromSetupLink(gatehouse, ADMIN_PASSWORD);
  browser = await launchChromium();
}, 150_000);

afterAll(async () => {
  await browser?.close();
  await gatehouse?.stop().catch(() => undefined);
});

test('the sign-in page loads at most 100 KB of gzipped JavaScript, and the signed-in pages lazily', () => {
  const report = bundleReport();
  expect(report.budgetBytes).toBe(100 * 1024);
  expect(report.eagerChunks.length).toBeGreaterThan(0);
  expect(report.totalGzipBytes).toBe(report.eagerChunks.reduce((sum, chunk) => sum + chunk.gzipBytes, 0));
  expect(report.totalGzipBytes).toBeLessThanOrEqual(report.budgetBytes);
  expect(report.isWithinBudget).toBe(true);
  const lazySources = report.lazyChunks.map((chunk) => chunk.source);
  for (const page of ['account/account-page.tsx', 'admin-users/admin-users-page.tsx', 'activity/activity-page.tsx']) {
    expect(lazySources).toContain(`src/features/${page}`);
  }
  console.log(`sign-in page JavaScript: ${(report.totalGzipBytes / 1024).toFixed(1)} KB gzipped`);
});

test('Chromium opening /login fetches exactly the counted chunks; the account page chunk comes after signing in', async () => {
  if (!gatehouse || !browser) throw new Error('beforeAll did not start the server and the browser');
  const report = bundleReport();
  const context = await browser.newContext();
  const page = await openPage(context, []);
  const scripts: string[] = [];
  page.on('response', (response) => {
    const url = new URL(response.url());
    if (url.pathname.endsWith('.js')) scripts.push(url.pathname.replace(/^\//, ''));
  });
  await page.goto(`${gatehouse.baseUrl}/login`);
  await page.getByRole('button', { name: 'Sign in' }).waitFor();
  expect([...scripts].sort()).toEqual(report.eagerChunks.map((chunk) => chunk.file).sort());

  const accountChunk = report.lazyChunks.find((chunk) => chunk.source === 'src/features/account/account-page.tsx')!;
  await page.getByLabel('Email').fill(ADMIN_EMAIL);
  await page.getByLabel('Password').fill(ADMIN_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Your account', level: 1 }).waitFor();
  expect(scripts).toContain(accountChunk.file);
  await context.close();
}, 120_000);
