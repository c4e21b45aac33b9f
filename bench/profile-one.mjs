// Profiles one scenario: starts the built Gatehouse on PGlite (or a given database URL) with
// `node --cpu-prof`, loads one path with autocannon, stops the server and prints the hottest
// frames. For finding what limits a row of `pnpm bench`.
//   node bench/profile-one.mjs [--path=/api/v1/auth/metadata] [--seconds=8] [--postgres] [--header='Authorization: Bearer …']
//                              [--log-level=warn] [--keep] [--forward-auth] [--status=302] [--connections=10]
// --postgres: on a throwaway PostgreSQL cluster (as `pnpm bench` starts) instead of PGlite.
// --forward-auth: ForwardAuth set up as `pnpm bench` sets it up (127.0.0.1 a trusted proxy, hosts
// *.example.com), for --path=/api/v1/auth/forward with X-Forwarded-* given by --header.
// --status: the answer every request must get, when it is not a 2xx (ForwardAuth's 302).
import crypto from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startPostgresCluster } from '../scripts/lib/postgres-cluster.mjs';
import { REPO_ROOT } from '../scripts/lib/workspace.mjs';
import { runLoad } from './lib/load.mjs';
import { findFreePort, startServer } from './lib/servers.mjs';
import { summariseProfile } from './lib/top-frames.mjs';

const { values: options } = parseArgs({
  options: {
    path: { type: 'string', default: '/api/v1/auth/metadata' },
    seconds: { type: 'string', default: '8' },
    postgres: { type: 'boolean', default: false },
    header: { type: 'string', multiple: true, default: [] },
    // [logging] level for the server (e.g. "warn", to see what the per-request log line costs).
    'log-level': { type: 'string' },
    // Keep the .cpuprofile (its path is printed last) for a closer look.
    keep: { type: 'boolean', default: false },
    'forward-auth': { type: 'boolean', default: false },
    status: { type: 'string' },
    connections: { type: 'string', default: '10' },
  },
});
const dir = mkdtempSync(path.join(os.tmpdir(), 'gatehouse-profile-'));
const port = await findFreePort();
const cluster = options.postgres ? await startPostgresCluster() : null;
const database = cluster ? `url = "${cluster.url}"` : `data_dir = "${path.join(dir, 'data')}"`;
const configFile = path.join(dir, 'config.toml');
writeFileSync(
  configFile,
  `[server]\nhost = "127.0.0.1"\nport = ${port}\n${options['forward-auth'] ? 'trusted_proxies = ["127.0.0.1"]\n' : ''}[misc]\nfrontend_url = "http://127.0.0.1:${port}"\n[database]\n${database}\n` +
    (options['log-level'] ? `[logging]\nlevel = "${options['log-level']}"\n` : '') +
    `[auth]\ntoken_secret = "${crypto.randomBytes(32).toString('hex')}"\nadmin_emails = []\n` +
    (options['forward-auth'] ? '[auth.forward_auth]\nallowed_hosts = ["*.example.com"]\n' : ''),
);
const profileDir = path.join(dir, 'profile');
const server = await startServer({
  label: 'Gatehouse',
  args: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, path.join(REPO_ROOT, 'apps/api/dist/main.js'), '--config', configFile],
  cwd: dir,
  readyUrl: `http://127.0.0.1:${port}/api/v1/health`,
});
const headers = Object.fromEntries(options.header.map((line) => line.split(/:\s*/, 2)));
// A short warm-up first (V8 optimises the hot path), and only the samples taken during the
// measured load are counted: the start-up's would hide the request path's frames.
await runLoad({
  label: 'warm-up',
  url: `http://127.0.0.1:${port}${options.path}`,
  headers,
  connections: Number(options.connections),
  durationS: 2,
  expectStatus: options.status === undefined ? undefined : Number(options.status),
});
const fromUs = Number(process.hrtime.bigint() / 1000n);
const load = await runLoad({
  label: options.path,
  url: `http://127.0.0.1:${port}${options.path}`,
  headers,
  connections: Number(options.connections),
  durationS: Number(options.seconds),
  expectStatus: options.status === undefined ? undefined : Number(options.status),
});
const window = { fromUs, toUs: Number(process.hrtime.bigint() / 1000n) };
await server.stop();
await cluster?.stop();
console.log(`${options.path}: ${load.rps.toFixed(0)} req/s, p99 ${load.p99Ms} ms`);
const file = readdirSync(profileDir).find((name) => name.endsWith('.cpuprofile'));
for (const { frame, percent } of summariseProfile(path.join(profileDir, file), 30, { window }))
  console.log(`${percent.toFixed(1).padStart(5)}%  ${frame}`);
console.log('-- by package');
for (const { frame, percent } of summariseProfile(path.join(profileDir, file), 20, { window, byPackage: true }))
  console.log(`${percent.toFixed(1).padStart(5)}%  ${frame}`);
if (options.keep) console.log(`${path.join(profileDir, file)} (load from ${window.fromUs} to ${window.toUs} µs)`);
else rmSync(dir, { recursive: true, force: true });
