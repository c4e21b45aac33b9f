// Where the CPU goes during a login burst: runs the burst of `pnpm bench` (50 concurrent password
// sign-ins at bcrypt cost 12, a /health probe every 20 ms) against the built Gatehouse on a
// throwaway PostgreSQL, and prints the CPU seconds spent by each thread of the Gatehouse process
// (main thread vs bcrypt workers), by the PostgreSQL processes and by this load generator.
//   node bench/cpu-split.mjs [--seconds=10] [--cost=12]
import crypto from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startPostgresCluster } from '../scripts/lib/postgres-cluster.mjs';
import { REPO_ROOT } from '../scripts/lib/workspace.mjs';
import { runClosedLoop, startProbe } from './lib/load.mjs';
import { burstEmail, measureHashPoolRate, seedBenchUser } from './lib/seed.mjs';
import { findFreePort, startServer } from './lib/servers.mjs';

const { values: options } = parseArgs({ options: { seconds: { type: 'string', default: '10' }, cost: { type: 'string', default: '12' } } });
const CLOCK_TICKS = 100;
const seconds = Number(options.seconds);
const cost = Number(options.cost);

/** utime + stime of one /proc stat file, in seconds. */
function cpuSeconds(statFile) {
  const fields = readFileSync(statFile, 'utf8')
    .replace(/^.*\) /s, '')
    .split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}
function threadsOf(pid) {
  return Object.fromEntries(
    readdirSync(`/proc/${pid}/task`).map((tid) => [
      `${readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim()}#${tid}`,
      cpuSeconds(`/proc/${pid}/task/${tid}/stat`),
    ]),
  );
}
function postgresSeconds() {
  let total = 0;
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres') total += cpuSeconds(`/proc/${pid}/stat`);
    } catch {
      // gone
    }
  }
  return total;
}

const cluster = await startPostgresCluster();
const dir = mkdtempSync(path.join(os.tmpdir(), 'gatehouse-cpu-'));
try {
  const poolRate = await measureHashPoolRate({ cost, concurrency: 50, durationS: seconds });
  await seedBenchUser(
    { kind: 'postgres', url: cluster.url },
    { email: 'bench@example.com', password: 'correct horse battery staple', cost, extraCount: 50 },
  );
  const port = await findFreePort();
  const configFile = path.join(dir, 'config.toml');
  writeFileSync(
    configFile,
    `[server]\nhost = "127.0.0.1"\nport = ${port}\n[misc]\nfrontend_url = "http://127.0.0.1:${port}"\n[database]\nurl = "${cluster.url}"\n` +
      `[auth]\ntoken_secret = "${crypto.randomBytes(32).toString('hex')}"\nadmin_emails = []\nbcrypt_cost = ${cost}\npassword_hash_queue_limit = 50\n`,
  );
  const server = await startServer({
    label: 'Gatehouse',
    args: [
      ...(process.env.CPU_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.CPU_PROF_DIR}`] : []),
      path.join(REPO_ROOT, 'apps/api/dist/main.js'),
      '--config',
      configFile,
    ],
    cwd: dir,
    readyUrl: `http://127.0.0.1:${port}/api/v1/health`,
  });
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const before = { threads: threadsOf(server.pid), postgres: postgresSeconds(), self: process.cpuUsage() };
  const stopProbe = startProbe(`http://127.0.0.1:${port}/api/v1/health`);
  const burst = await runClosedLoop({
    label: 'login burst',
    url: `http://127.0.0.1:${port}/api/v1/auth/jwt/login`,
    concurrency: 50,
    durationS: seconds,
    headers: { 'content-type': 'application/json' },
    body: (index) => JSON.stringify({ username: burstEmail(index), password: 'correct horse battery staple' }),
  });
  const probe = await stopProbe();
  const after = { threads: threadsOf(server.pid), postgres: postgresSeconds(), self: process.cpuUsage(before.self) };
  await server.stop();
  console.log(
    `pool alone ${poolRate.toFixed(2)} hashes/s; Gatehouse ${burst.rps.toFixed(2)} logins/s (${(burst.rps / poolRate).toFixed(2)}x), ${burst.total} logins; /health p99 ${probe.p99Ms} ms`,
  );
  const used = Object.entries(after.threads)
    .map(([name, s]) => [name, s - (before.threads[name] ?? 0)])
    .filter(([, s]) => s > 0.05)
    .sort((a, b) => b[1] - a[1]);
  for (const [name, s] of used) console.log(`  gatehouse thread ${name.padEnd(24)} ${s.toFixed(2)} s`);
  console.log(`  postgres processes                 ${(after.postgres - before.postgres).toFixed(2)} s`);
  console.log(`  load generator (this process)      ${((after.self.user + after.self.system) / 1e6).toFixed(2)} s`);
} finally {
  await cluster.stop();
  rmSync(dir, { recursive: true, force: true });
}
