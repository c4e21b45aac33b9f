// The system Chromium (Debian's `chromium` package) driven by playwright-core; no downloaded
// browsers. One browser per test file; each context in it is a separate cookie jar, so one file
// can have an admin and a user signed in at once.
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

const CHROMIUM_ARGS = [
  '--no-sandbox', // CI runs as root, where Chromium's sandbox cannot start
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export interface LaunchedChromium {
  /** The first context, for tests that need only one person. */
  readonly context: BrowserContext;
  newPage(): Promise<Page>;
  /** Another person: a fresh context with its own cookies. */
  newContext(): Promise<BrowserContext>;
  close(): Promise<void>;
}

function configure(context: BrowserContext): BrowserContext {
  context.setDefaultTimeout(10_000);
  return context;
}

export interface LaunchOptions {
  /** Host names Chromium resolves to 127.0.0.1 (--host-resolver-rules), e.g. ["*.gatehouse.test"]. */
  mapHostsToLoopback?: readonly string[];
}

export async function launchChromium(options: LaunchOptions = {}): Promise<LaunchedChromium> {
  const hostRules = (options.mapHostsToLoopback ?? []).map((host) => `MAP ${host} 127.0.0.1`);
  const browser: Browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: hostRules.length > 0 ? [...CHROMIUM_ARGS, `--host-resolver-rules=${hostRules.join(', ')}`] : CHROMIUM_ARGS,
    timeout: 30_000,
  });
  const context = configure(await browser.newContext());
  return {
    context,
    newPage: () => context.newPage(),
    newContext: async () => configure(await browser.newContext()),
    close: () => browser.close(),
  };
}
