// Runs the built server (apps/api/dist/main.js) as a user would: its own process, a config file,
// the embedded database in a temp directory. Tests read its log and stop it with SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SERVER_ENTRY = path.join(REPO_ROOT, 'apps/api/dist/main.js');
const HEALTH_PATH = '/api/v1/health';
// Generous: on a loaded two-core CI machine opening the embedded database alone can take tens of seconds.
const START_TIMEOUT_MS = 90_000;
const SHUTDOWN_TIMEOUT_MS = 10_000;

export interface LogLine {
  readonly stream: 'stdout' | 'stderr';
  readonly text: string;
  /** The parsed line when it is JSON (pino), else null. */
  readonly json: Record<string, unknown> | null;
}

export interface ServerExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly durationMs: number;
}

export interface RunningGatehouse {
  /** e.g. http://127.0.0.1:41234 — also the configured misc.frontend_url unless one was given. */
  readonly baseUrl: string;
  readonly port: number;
  readonly configPath: string;
  readonly logLines: readonly LogLine[];
  /** Everything the server printed so far, stdout and stderr interleaved. */
  logText(): string;
  /** Resolves the first log line (past or future) that matches. */
  waitForLog(predicate: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** SIGTERM, then waits; rejects if the server is still running after 10 s (it is then killed). */
  stop(): Promise<ServerExit>;
}

export interface StartGatehouseOptions {
  /**
   * config.toml for the test. Must not set server.port, server.host, misc.frontend_url or
   * database.data_dir: the helper sets those (into existing sections, or adds the sections).
   */
  configToml: string;
  /** misc.frontend_url; default the server's own address (e.g. a reverse proxy's URL instead). */
  frontendUrl?: string;
  /** Port to listen on; default a free one. */
  port?: number;
  /** How long start-up may take before the test gives up; default 30 s. */
  startTimeoutMs?: number;
}

const runningServers = new Set<ChildProcess>();
// A test that throws before stop() must not leave a server behind.
process.on('exit', () => {
  for (const child of runningServers) child.kill('SIGKILL');
});

export async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Sets `key = value` in `[section]`, adding the section when the file has none. */
export function setTomlKey(toml: string, section: string, key: string, value: string): string {
  const lines = toml.split('\n');
  const headerIndex = lines.findIndex((line) => line.trim() === `[${section}]`);
  const assignment = `${key} = ${value}`;
  if (headerIndex === -1) return `${toml.trimEnd()}\n\n[${section}]\n${assignment}\n`;
  const nextHeader = lines.findIndex((line, index) => index > headerIndex && /^\s*\[/.test(line));
  const sectionLines = lines.slice(headerIndex + 1, nextHeader === -1 ? lines.length : nextHeader);
  if (sectionLines.some((line) => new RegExp(`^\\s*${key}\\s*=`).test(line))) {
    throw new Error(`the test config must not set ${section}.${key}; startGatehouse sets it`);
  }
  lines.splice(headerIndex + 1, 0, assignment);
  return lines.join('\n');
}

function parseJson(text: string): Record<string, unknown> | null {
  if (!text.startsWith('{')) return null;
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Environment without anything the server would read as configuration. */
function buildServerEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (name.startsWith('GATEHOUSE_') || name === 'CONFIG_FILE' || name === 'CONFIG_DIR') continue;
    env[name] = value;
  }
  return env;
}

export async function startGatehouse({
  configToml,
  frontendUrl,
  port: fixedPort,
  startTimeoutMs = START_TIMEOUT_MS,
}: StartGatehouseOptions): Promise<RunningGatehouse> {
  if (!existsSync(SERVER_ENTRY)) {
    throw new Error(`${SERVER_ENTRY} does not exist: build first (npx -y pnpm@10.34.8 run build)`);
  }
  const directory = await mkdtemp(path.join(os.tmpdir(), 'gatehouse-e2e-'));
  const port = fixedPort ?? (await findFreePort());
  const baseUrl = `http://127.0.0.1:${port}`;
  let toml = configToml;
  toml = setTomlKey(toml, 'server', 'host', JSON.stringify('127.0.0.1'));
  toml = setTomlKey(toml, 'server', 'port', String(port));
  toml = setTomlKey(toml, 'misc', 'frontend_url', JSON.stringify(frontendUrl ?? baseUrl));
  toml = setTomlKey(toml, 'database', 'data_dir', JSON.stringify(path.join(directory, 'data')));
  const configPath = path.join(directory, 'config.toml');
  await writeFile(configPath, toml, { mode: 0o600 });

  const child = spawn(process.execPath, [SERVER_ENTRY, '--config', configPath], {
    cwd: directory,
    env: buildServerEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  runningServers.add(child);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      runningServers.delete(child);
      resolve({ code, signal });
    });
  });

  const logLines: LogLine[] = [];
  const waiters = new Set<{ predicate: (line: LogLine) => boolean; resolve: (line: LogLine) => void }>();
  const readLines = (stream: 'stdout' | 'stderr', input: NodeJS.ReadableStream) => {
    createInterface({ input }).on('line', (text) => {
      const line: LogLine = { stream, text, json: parseJson(text) };
      logLines.push(line);
      for (const waiter of waiters) {
        if (waiter.predicate(line)) {
          waiters.delete(waiter);
          waiter.resolve(line);
        }
      }
    });
  };
  readLines('stdout', child.stdout);
  readLines('stderr', child.stderr);
  const logText = () => logLines.map((line) => line.text).join('\n');

  const waitForLog = (predicate: (line: LogLine) => boolean, timeoutMs = 10_000) => {
    const seen = logLines.find(predicate);
    if (seen) return Promise.resolve(seen);
    return new Promise<LogLine>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(new Error(`no matching log line within ${timeoutMs} ms; log so far:\n${logText()}`));
      }, timeoutMs);
      const waiter = {
        predicate,
        resolve: (line: LogLine) => {
          clearTimeout(timer);
          resolve(line);
        },
      };
      waiters.add(waiter);
    });
  };

  let stopping: Promise<ServerExit> | null = null;
  const stop = () => {
    stopping ??= (async () => {
      const startedAt = Date.now();
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const outcome = await Promise.race([
        exited,
        new Promise<'timeout'>((resolve) => {
          timer = setTimeout(resolve, SHUTDOWN_TIMEOUT_MS, 'timeout');
        }),
      ]);
      clearTimeout(timer);
      if (outcome === 'timeout') {
        child.kill('SIGKILL');
        await exited;
        throw new Error(`the server did not exit within ${SHUTDOWN_TIMEOUT_MS} ms of SIGTERM; log:\n${logText()}`);
      }
      await rm(directory, { recursive: true, force: true });
      return { ...outcome, durationMs: Date.now() - startedAt };
    })();
    return stopping;
  };

  try {
    await waitUntilHealthy(baseUrl, exited, logText, startTimeoutMs);
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
  return { baseUrl, port, configPath, logLines, logText, waitForLog, stop };
}

async function waitUntilHealthy(
  baseUrl: string,
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>,
  logText: () => string,
  timeoutMs: number,
): Promise<void> {
  let exit = null as { code: number | null; signal: NodeJS.Signals | null } | null;
  void exited.then((result) => {
    exit = result;
  });
  const deadline = Date.now() + timeoutMs;
  let lastProblem = 'no answer yet';
  while (Date.now() < deadline) {
    if (exit) {
      const { code, signal } = exit;
      throw new Error(`the server exited during start-up (code ${code}, signal ${signal}); log:\n${logText()}`);
    }
    try {
      const response = await fetch(`${baseUrl}${HEALTH_PATH}`, { signal: AbortSignal.timeout(2000) });
      if (response.status === 200) return;
      lastProblem = `health answered ${response.status}`;
    } catch (error) {
      lastProblem = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the server was not healthy within ${timeoutMs} ms (${lastProblem}); log:\n${logText()}`);
}

/**
 * Chooses the first-start admin's password through the setup link the server logged, as an
 * operator would (POST /auth/reset-password with the link's token).
 */
export async function setPasswordFromSetupLink(server: RunningGatehouse, password: string): Promise<void> {
  const setupLine = await server.waitForLog((line) => typeof line.json?.['setup_url'] === 'string');
  const token = new URL(String(setupLine.json?.['setup_url'])).searchParams.get('token');
  const answer = await fetch(`${server.baseUrl}/api/v1/auth/reset-password`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ token, password }),
  });
  if (answer.status !== 204) throw new Error(`setting the password through the setup link answered ${answer.status}: ${await answer.text()}`);
}
