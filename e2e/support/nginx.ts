// A real nginx (Debian's package) on 127.0.0.1 in front of Gatehouse replicas, configured the way
// Traefik runs in front of them: X-Forwarded-For/-Proto/-Host set, round-robin over the
// replicas, the next replica tried when one refuses the connection, and Gatehouse on a sub-path
// that is passed on unchanged. It runs in the foreground as a child process with its own prefix
// directory and config, and is stopped with the test.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const START_TIMEOUT_MS = 10_000;
const CANDIDATES = ['/usr/sbin/nginx', '/usr/bin/nginx', '/usr/local/sbin/nginx', '/usr/local/bin/nginx'];

export interface RunningNginx {
  /** e.g. http://127.0.0.1:41234 */
  readonly origin: string;
  /** One line per request: "<status> <upstream address(es)> <method> <uri>". */
  readAccessLog(): Promise<string[]>;
  stop(): Promise<void>;
}

export interface NginxOptions {
  /** "/auth": the sub-path Gatehouse lives under (its frontend_url's path). */
  basePath: string;
  /** Ports of the Gatehouse replicas on 127.0.0.1. */
  upstreamPorts: readonly number[];
  /** The port to listen on (chosen beforehand, as it goes into Gatehouse's frontend_url). */
  port: number;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The nginx binary, or null when it is not installed. */
export function findNginx(): string | null {
  const fromPath = (process.env.PATH ?? '').split(path.delimiter).map((dir) => path.join(dir, 'nginx'));
  return [...fromPath, ...CANDIDATES].find(isExecutable) ?? null;
}

export function buildNginxConfig(prefix: string, options: NginxOptions): string {
  const isRoot = process.getuid?.() === 0;
  const upstreams = options.upstreamPorts.map((port) => `    server 127.0.0.1:${port} max_fails=0;`).join('\n');
  return `# Generated for a test: nginx in front of Gatehouse replicas, configured like Traefik.
${isRoot ? 'user root root;\n' : ''}worker_processes 1;
daemon off;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 512; }
http {
  log_format replicas '$status $upstream_addr $request_method $request_uri';
  access_log ${prefix}/access.log replicas;
  client_body_temp_path ${prefix}/tmp/body;
  proxy_temp_path ${prefix}/tmp/proxy;
  fastcgi_temp_path ${prefix}/tmp/fastcgi;
  uwsgi_temp_path ${prefix}/tmp/uwsgi;
  scgi_temp_path ${prefix}/tmp/scgi;

  upstream gatehouse {
${upstreams}
  }

  server {
    listen 127.0.0.1:${options.port};
    location ${options.basePath}/ {
      # No URI part: the path goes on unchanged (Gatehouse serves the sub-path itself).
      proxy_pass http://gatehouse;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Host $http_host;
      # A replica that is shutting down refuses new connections: try the next one.
      proxy_next_upstream error timeout;
      proxy_connect_timeout 2s;
      proxy_read_timeout 30s;
    }
  }
}
`;
}

export async function startNginx(options: NginxOptions): Promise<RunningNginx> {
  const binary = findNginx();
  if (!binary) throw new Error('nginx is not installed (Debian: apt-get install nginx)');
  const prefix = await mkdtemp(path.join(os.tmpdir(), 'gatehouse-nginx-'));
  await mkdir(path.join(prefix, 'tmp'));
  const configPath = path.join(prefix, 'nginx.conf');
  await writeFile(configPath, buildNginxConfig(prefix, options));

  const child: ChildProcess = spawn(binary, ['-p', prefix, '-c', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const killOnExit = () => child.kill('SIGKILL');
  process.on('exit', killOnExit);

  const origin = `http://127.0.0.1:${options.port}`;
  const stop = async () => {
    process.off('exit', killOnExit);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGQUIT');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
    await rm(prefix, { recursive: true, force: true });
  };

  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited at start-up (code ${child.exitCode}):\n${stderr}`);
    try {
      // Any answer from nginx itself (404 outside the sub-path) means it is listening.
      await fetch(`${origin}/`, { signal: AbortSignal.timeout(1000) });
      break;
    } catch {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`nginx did not listen on ${origin} within ${START_TIMEOUT_MS} ms:\n${stderr}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  return {
    origin,
    readAccessLog: async () => (await readFile(path.join(prefix, 'access.log'), 'utf8')).split('\n').filter(Boolean),
    stop,
  };
}
