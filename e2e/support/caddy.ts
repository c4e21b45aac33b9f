// A real Caddy (Debian's package) on 127.0.0.1 in front of a protected app, with its forward_auth
// directive asking Gatehouse (what Traefik's ForwardAuth does: X-Forwarded-Method/-Proto/-Host/-Uri
// in, Remote-* headers copied to the app), and in front of Gatehouse itself on its own host name.
// Plain http site addresses, auto_https off and no admin endpoint: Caddy never tries ACME or
// opens another port. It runs in the foreground as a child process with its own config and data
// directories, and is stopped with the test (like support/nginx.ts).
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const START_TIMEOUT_MS = 15_000;
const CANDIDATES = ['/usr/bin/caddy', '/usr/local/bin/caddy'];

export interface RunningCaddy {
  /** The port Caddy listens on for every site, on 127.0.0.1. */
  readonly port: number;
  stop(): Promise<void>;
}

export interface CaddyOptions {
  /** The port to listen on (chosen beforehand, as it goes into Gatehouse's frontend_url). */
  port: number;
  /** Gatehouse's own host name (e.g. auth.gatehouse.test), proxied to gatehousePort. */
  gatehouseHost: string;
  gatehousePort: number;
  /** The protected app's host name (e.g. app.gatehouse.test), guarded by forward_auth. */
  appHost: string;
  appPort: number;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The caddy binary, or null when it is not installed. */
export function findCaddy(): string | null {
  const fromPath = (process.env.PATH ?? '').split(path.delimiter).map((dir) => path.join(dir, 'caddy'));
  return [...fromPath, ...CANDIDATES].find(isExecutable) ?? null;
}

export function buildCaddyfile(options: CaddyOptions): string {
  const gatehouse = `127.0.0.1:${options.gatehousePort}`;
  return `# Generated for a test: Caddy's forward_auth in front of an app, Gatehouse on its own host.
{
	admin off
	auto_https off
	http_port ${options.port}
}

http://${options.appHost}:${options.port} {
	bind 127.0.0.1
	forward_auth ${gatehouse} {
		uri /api/v1/auth/forward
		# With the port: the way back after sign-in must name the page exactly.
		header_up X-Forwarded-Host {http.request.hostport}
		copy_headers Remote-User Remote-Email Remote-Email-Verified Remote-Name Remote-Groups
	}
	reverse_proxy 127.0.0.1:${options.appPort}
}

http://${options.gatehouseHost}:${options.port} {
	bind 127.0.0.1
	reverse_proxy ${gatehouse} {
		header_up X-Forwarded-Host {http.request.hostport}
	}
}
`;
}

export async function startCaddy(options: CaddyOptions): Promise<RunningCaddy> {
  const binary = findCaddy();
  if (!binary) throw new Error('caddy is not installed (Debian: apt-get install caddy)');
  const directory = await mkdtemp(path.join(os.tmpdir(), 'gatehouse-caddy-'));
  const configPath = path.join(directory, 'Caddyfile');
  await writeFile(configPath, buildCaddyfile(options));

  const child: ChildProcess = spawn(binary, ['run', '--config', configPath, '--adapter', 'caddyfile'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own data and config directories: nothing of the machine's Caddy is read or written.
    env: { ...process.env, HOME: directory, XDG_DATA_HOME: path.join(directory, 'data'), XDG_CONFIG_HOME: path.join(directory, 'config') },
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const killOnExit = () => child.kill('SIGKILL');
  process.on('exit', killOnExit);

  const stop = async () => {
    process.off('exit', killOnExit);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
    await rm(directory, { recursive: true, force: true });
  };

  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`caddy exited at start-up (code ${child.exitCode}):\n${output}`);
    try {
      // Any answer from Caddy for Gatehouse's host means it is listening.
      await fetch(`http://127.0.0.1:${options.port}/api/v1/health`, {
        headers: { host: `${options.gatehouseHost}:${options.port}` },
        signal: AbortSignal.timeout(1000),
      });
      break;
    } catch {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`caddy did not listen on port ${options.port} within ${START_TIMEOUT_MS} ms:\n${output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return { port: options.port, stop };
}
