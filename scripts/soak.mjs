#!/usr/bin/env node
// Mixed-load soak (`npm run test:soak`, not part of `npm test`): starts the built server
// (apps/api/dist/main.js) on the embedded database in a temp dir, drives a mix of sign-ins
// (good and bad), reads, ForwardAuth checks, registrations, admin writes and hostile requests from
// several concurrent clients over loopback for two identical periods of [seconds], then fails
// unless every request got an answer, none was a 5xx, and memory reached a plateau: after the
// second period, RSS within 5% and heapUsed after a forced GC within 10% of their figures after
// the first (a leak keeps growing; a warm heap does not), the check `pnpm bench` makes.
// Usage: node scripts/soak.mjs [seconds] [concurrency]   (build first: pnpm -r build)
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HEAP_LINE_PREFIX } from '../bench/lib/heap-probe.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MAIN = path.join(ROOT, 'apps/api/dist/main.js');
const SECONDS = Number(process.argv[2] ?? 60);
const CONCURRENCY = Number(process.argv[3] ?? 8);
const PASSWORD = 'correct horse battery staple';

if (!fs.existsSync(MAIN)) {
  console.error(`${MAIN} is missing: build first (npx -y pnpm@10.34.8 -r build).`);
  process.exit(2);
}

const freePort = () =>
  new Promise((resolve) => {
    const server = http.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-soak-'));
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const configFile = path.join(dir, 'config.toml');
fs.writeFileSync(
  configFile,
  `[server]\nhost = "127.0.0.1"\nport = ${port}\nlog_level = "info"\n[misc]\nfrontend_url = "${base}"\n` +
    `[database]\ndata_dir = "${path.join(dir, 'data')}"\n` +
    `[auth]\ntoken_secret = "${crypto.randomBytes(32).toString('hex')}"\nadmin_emails = ["admin@example.com"]\n` +
    'registration_enabled = true\nbcrypt_cost = 10\n[auth.forward_auth]\nallowed_hosts = ["*.example.com"]\n[metrics]\nenabled = true\n',
);

// --expose-gc and the heap probe: on SIGUSR2 the server collects garbage and prints what is left.
const heapProbe = path.join(ROOT, 'bench/lib/heap-probe.mjs');
const child = spawn(process.execPath, ['--expose-gc', '--import', heapProbe, MAIN, '--config', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
const heapWaiters = [];
let stdoutTail = '';
child.stdout.on('data', (chunk) => {
  const lines = (stdoutTail + chunk.toString('utf8')).split('\n');
  stdoutTail = lines.pop();
  for (const line of lines) if (line.startsWith(HEAP_LINE_PREFIX)) heapWaiters.shift()?.(JSON.parse(line.slice(HEAP_LINE_PREFIX.length)));
});
/** RSS from /proc, then heapUsed after a forced full GC in the server, in MB. */
async function readMemory() {
  const status = fs.readFileSync(`/proc/${child.pid}/status`, 'utf8');
  const rssMb = Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(status)[1]) / 1024;
  const heap = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the server printed no heap figure')), 10_000);
    heapWaiters.push((figures) => {
      clearTimeout(timer);
      resolve(figures);
    });
  });
  child.kill('SIGUSR2');
  const { heapUsed } = await heap;
  return { rssMb, heapUsedMb: heapUsed / 2 ** 20 };
}
let serverOutput = '';
const setupUrl = await new Promise((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error(`server did not start:\n${serverOutput}`)), 120_000);
  let url = null;
  const onData = (chunk) => {
    if (serverOutput.length < 1_000_000) serverOutput += chunk.toString('utf8');
    url ??= serverOutput.match(/https?:\/\/[^\s"]+reset-password\?token=[\w%-]+/)?.[0] ?? null;
    if (serverOutput.includes('Gatehouse listening') && url) {
      clearTimeout(timer);
      resolve(url);
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  child.on('exit', (code) => reject(new Error(`server exited with ${code}:\n${serverOutput}`)));
});

const call = async (method, route, { body, token, headers = {} } = {}) => {
  const res = await fetch(base + route, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    redirect: 'manual',
  });
  const text = await res.text();
  return { status: res.status, text };
};

// The first-start admin sets a password through the setup link printed in the log.
const adminToken = new URL(setupUrl).searchParams.get('token');
const setup = await call('POST', '/api/v1/auth/reset-password', { body: { token: adminToken, password: PASSWORD } });
if (setup.status !== 204) throw new Error(`admin setup failed: ${setup.status} ${setup.text}`);
const login = async (username, password) => call('POST', '/api/v1/auth/jwt/login', { body: { username, password } });
const admin = JSON.parse((await login('admin@example.com', PASSWORD)).text).access_token;
const cookieLogin = await fetch(`${base}/api/v1/auth/cookie/login`, {
  method: 'POST',
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify({ username: 'admin@example.com', password: PASSWORD }),
});
const forwardCookie = cookieLogin.headers
  .getSetCookie()
  .map((line) => line.split(';')[0])
  .find((pair) => pair.startsWith('gatehouse_forward='));
if (!forwardCookie) throw new Error(`cookie login set no gatehouse_forward cookie (${cookieLogin.status})`);
// ForwardAuth as a reverse proxy on 127.0.0.1 (a trusted proxy by default) calls it.
const forward = (headers) =>
  call('GET', '/api/v1/auth/forward', {
    headers: { 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'media.example.com', 'X-Forwarded-Uri': '/web/index.html', ...headers },
  });

const ACTIONS = [
  ['health', () => call('GET', '/api/v1/health')],
  ['metadata', () => call('GET', '/api/v1/auth/metadata')],
  ['login ok', () => login('admin@example.com', PASSWORD)],
  ['login bad', () => login(`nobody-${crypto.randomInt(1000)}@example.com`, 'wrong password')],
  ['me', () => call('GET', '/api/v1/users/me', { token: admin })],
  ['list users', () => call('GET', '/api/v1/users/all', { token: admin })],
  ['register', () => call('POST', '/api/v1/auth/register', { body: { email: `soak-${crypto.randomUUID()}@example.com`, password: PASSWORD } })],
  [
    'admin create+delete',
    async () => {
      const created = await call('POST', '/api/v1/users', { token: admin, body: { email: `made-${crypto.randomUUID()}@example.com` } });
      if (created.status !== 201) return created;
      return call('DELETE', `/api/v1/users/${JSON.parse(created.text).user.id}`, { token: admin });
    },
  ],
  ['forgot', () => call('POST', '/api/v1/auth/forgot-password', { body: { email: 'admin@example.com' } })],
  ['hostile body', () => call('POST', '/api/v1/auth/register', { body: '{"__proto__":{"x":1},"email":[' })],
  ['garbage bearer', () => call('GET', '/api/v1/users/me', { token: crypto.randomBytes(40).toString('base64') })],
  ['web ui', () => call('GET', '/login')],
  ['metrics', () => call('GET', '/metrics')],
  ['forward auth', () => forward({ Cookie: forwardCookie })],
  ['forward auth anonymous', () => forward({ Accept: 'text/html' })],
];

const stats = { total: 0, lost: 0, fivexx: 0, byStatus: {}, byAction: {}, latencies: [] };
let deadline = 0;
const failures = [];
async function worker() {
  while (Date.now() < deadline) {
    const [name, action] = ACTIONS[crypto.randomInt(ACTIONS.length)];
    const startedAt = performance.now();
    stats.total += 1;
    try {
      const { status, text } = await action();
      stats.latencies.push(performance.now() - startedAt);
      stats.byStatus[status] = (stats.byStatus[status] ?? 0) + 1;
      stats.byAction[name] = (stats.byAction[name] ?? 0) + 1;
      if (status >= 500) {
        stats.fivexx += 1;
        if (failures.length < 10) failures.push(`${name}: ${status} ${text.slice(0, 200)}`);
      }
    } catch (error) {
      stats.lost += 1;
      if (failures.length < 10) failures.push(`${name}: no answer (${error.cause?.code ?? error.message})`);
    }
  }
}
const startedAt = Date.now();
const memory = [];
for (let period = 0; period < 2; period += 1) {
  deadline = Date.now() + SECONDS * 1000;
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  memory.push(await readMemory());
}
const elapsedS = (Date.now() - startedAt) / 1000;
child.kill('SIGTERM');
await new Promise((resolve) => child.on('exit', resolve));
fs.rmSync(dir, { recursive: true, force: true });

const sorted = stats.latencies.sort((a, b) => a - b);
const pct = (p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))].toFixed(1) : 'n/a');
console.log(
  `soak: 2 x ${SECONDS} s, ${CONCURRENCY} clients, ${stats.total} requests in ${elapsedS.toFixed(1)} s (${(stats.total / elapsedS).toFixed(0)}/s)`,
);
console.log(`status codes: ${JSON.stringify(stats.byStatus)}`);
console.log(`latency ms: p50 ${pct(50)}, p95 ${pct(95)}, p99 ${pct(99)}, max ${pct(100)}`);
console.log(`5xx: ${stats.fivexx}, lost responses: ${stats.lost}`);
for (const failure of failures) console.log(`  ${failure}`);
const [first, second] = memory;
const plateau = [
  ['RSS', first.rssMb, second.rssMb, 1.05],
  ['heapUsed after a forced GC', first.heapUsedMb, second.heapUsedMb, 1.1],
].map(([name, before, after, limit]) => {
  const ratio = after / before;
  const met = ratio <= limit;
  console.log(
    `memory plateau: ${name} ${before.toFixed(1)} MB after the first period, ${after.toFixed(1)} MB after the second: ${ratio.toFixed(3)}x (target <= ${limit}x) ${met ? 'met' : 'MISSED'}`,
  );
  return met;
});
process.exit(stats.fivexx === 0 && stats.lost === 0 && plateau.every(Boolean) ? 0 : 1);
