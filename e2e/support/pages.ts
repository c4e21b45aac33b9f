// What every browser test does with a page: open it (collecting script errors), sign in and out
// as a person would, and audit it — axe-core for accessibility, a check for sideways scrolling at
// phone width, and screenshots at desktop and phone width under e2e/artifacts/ for a reviewer.
import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { expect } from '@jest/globals';
import type { BrowserContext, Page } from 'playwright-core';
import { REPO_ROOT } from './gatehouse-server.js';

export const ARTIFACTS_DIR = path.join(REPO_ROOT, 'e2e/artifacts');
const AXE_SCRIPT = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 360, height: 740 };

/** A page whose uncaught script errors land in `errors` (tests expect it to stay empty). */
export async function openPage(context: BrowserContext, errors: Error[]): Promise<Page> {
  const page = await context.newPage();
  page.on('pageerror', (error) => errors.push(error));
  return page;
}

/** Signs in on the password form (`/login?local=1`, so auto-launch never interferes). */
export async function signInWithPassword(page: Page, baseUrl: string, email: string, password: string): Promise<void> {
  await page.goto(`${baseUrl}/login?local=1`);
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  // Exact: where passkeys are on, "Sign in with a passkey" is a button too.
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

export async function signOut(page: Page, baseUrl: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(`${baseUrl}/login**`);
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  // The session is gone on the server too, not just forgotten by the page.
  expect((await page.request.get(`${baseUrl}/api/v1/users/me`)).status()).toBe(401);
}

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[] }[];
}

/** axe-core's serious and critical violations on the page as it is now. */
export async function findSeriousAxeViolations(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol: Gatehouse's CSP (script-src 'self') rightly refuses
  // an injected <script> tag.
  await page.evaluate(await readFile(AXE_SCRIPT, 'utf8'));
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (context: Document) => Promise<{ violations: AxeViolation[] }> } }).axe;
    return (await axe.run(document)).violations;
  });
  return violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => `${violation.id} (${violation.impact}): ${violation.help} at ${JSON.stringify(violation.nodes.map((n) => n.target))}`);
}

/**
 * Audits the page as it is now, named `name`: no serious or critical axe-core violation in either
 * the light or the dark theme, no sideways scrolling at 360 px, and screenshots at both widths
 * (e2e/artifacts/<name>-desktop.png, <name>-phone.png).
 */
export async function auditPage(page: Page, name: string): Promise<void> {
  await mkdir(ARTIFACTS_DIR, { recursive: true });
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    expect({ page: name, colorScheme, violations: await findSeriousAxeViolations(page) }).toEqual({
      page: name,
      colorScheme,
      violations: [],
    });
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize(PHONE);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect({ page: name, sidewaysScrollPx: overflow }).toEqual({ page: name, sidewaysScrollPx: 0 });
  await page.screenshot({ path: path.join(ARTIFACTS_DIR, `${name}-phone.png`), fullPage: true });
  await page.setViewportSize(DESKTOP);
  await page.screenshot({ path: path.join(ARTIFACTS_DIR, `${name}-desktop.png`), fullPage: true });
}
