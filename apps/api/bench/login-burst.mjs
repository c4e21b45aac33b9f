// Benchmark: a burst of password sign-ins at the production bcrypt cost, while a probe measures
// how long /health takes and how far the event loop lags. bcrypt runs in worker threads, so the
// probe should stay in single-digit milliseconds while the logins queue for the workers.
// Also compares the time of "unknown email" and "wrong password" answers (they must match).
// Run after a build:  pnpm --filter @gatehouse/api bench   (or node bench/login-burst.mjs)
import http from 'node:http';
import crypto from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { pino } from 'pino';
import { createApp } from '../dist/app.js';
import { buildConfigFromTables } from '../dist/config/load-config.js';
import { createPasswordHasher } from '../dist/auth/password-hasher.js';
import { openEmbeddedDatabase } from '../dist/db/database.js';
import { applyMigrations, MIGRATIONS_DIR, readMigrationFiles } from '../dist/db/migrate.js';
import { createAppContext } from '../dist/context.js';
import { createServices } from '../dist/services.js';

const COST = Number(process.env.BENCH_BCRYPT_COST ?? 12);
const BURST = Number(process.env.BENCH_BURST ?? 24);
const TIMING_SAMPLES = Number(process.env.BENCH_TIMING_SAMPLES ?? 15);
const PASSWORD = 'correct horse battery staple';

const logger = pino({ level: 'silent' });
const db = await openEmbeddedDatabase('memory://');
const migrations = readMigrationFiles(MIGRATIONS_DIR);
await applyMigrations(db, migrations, logger);
// BENCH_INLINE=1 hashes on the main thread instead, to show what the worker pool buys.
const INLINE = process.env.BENCH_INLINE === '1';
const passwordHasher = INLINE ? await createInlineHasher(COST) : await createPasswordHasher({ cost: COST });

async function createInlineHasher(cost) {
  const bcrypt = (await import('bcryptjs')).default;
  const dummy = await bcrypt.hash('dummy', cost);
  return {
    hash: (password) => bcrypt.hash(password, cost),
    verify: (password, hash) => bcrypt.compare(password, hash),
    verifyDummy: async (password) => {
      await bcrypt.compare(password, dummy);
    },
    close: async () => {},
  };
}
// Built by the real loader, so the schema's defaults apply and nothing here can drift from them.
const config = buildConfigFromTables(
  {
    server: { host: '127.0.0.1', port: 0 },
    auth: { token_secret: crypto.randomBytes(32).toString('hex'), admin_emails: [], bcrypt_cost: COST },
    misc: { frontend_url: 'http://127.0.0.1' },
    logging: { level: 'silent' },
  },
  { name: 'the benchmark configuration' },
);
const ctx = createAppContext({ config, db, logger, passwordHasher, version: 'bench', migrations });
const services = createServices(ctx);
await services.data.users.create({ email: 'bench@example.com', hashedPassword: await passwordHasher.hash(PASSWORD), isVerified: true });

const server = http.createServer(createApp(ctx, services));
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${server.address().port}/api/v1`;

async function login(username, password) {
  const started = performance.now();
  const res = await fetch(`${base}/auth/jwt/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  await res.arrayBuffer();
  return { status: res.status, ms: performance.now() - started };
}

const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};
const fmt = (n) => n.toFixed(1);

// Warm the worker pool.
await login('bench@example.com', PASSWORD);

// 1. Burst of logins with a /health probe alongside.
const loop = monitorEventLoopDelay({ resolution: 5 });
loop.enable();
let isBursting = true;
const probe = [];
const probing = (async () => {
  while (isBursting) {
    const started = performance.now();
    const res = await fetch(`${base}/health`);
    await res.arrayBuffer();
    probe.push(performance.now() - started);
    await new Promise((r) => setTimeout(r, 20));
  }
})();
const burstStarted = performance.now();
const results = await Promise.all(Array.from({ length: BURST }, () => login('bench@example.com', PASSWORD)));
const burstMs = performance.now() - burstStarted;
isBursting = false;
await probing;
loop.disable();

console.log(
  `${INLINE ? 'INLINE (main thread) ' : 'worker pool: '}bcrypt cost ${COST}, ${BURST} concurrent logins, ${(await import('node:os')).availableParallelism()} cores`,
);
console.log(
  `  logins: all 200 = ${results.every((r) => r.status === 200)}; total ${fmt(burstMs)} ms; ${fmt((BURST / burstMs) * 1000)} logins/s; latency p50 ${fmt(
    percentile(
      results.map((r) => r.ms),
      50,
    ),
  )} ms, max ${fmt(Math.max(...results.map((r) => r.ms)))} ms`,
);
console.log(
  `  /health during the burst: ${probe.length} probes, p50 ${fmt(percentile(probe, 50))} ms, p99 ${fmt(percentile(probe, 99))} ms, max ${fmt(Math.max(...probe))} ms`,
);
console.log(
  `  event-loop delay during the burst: p50 ${fmt(loop.percentile(50) / 1e6)} ms, p99 ${fmt(loop.percentile(99) / 1e6)} ms, max ${fmt(loop.max / 1e6)} ms`,
);

// 2. Unknown email vs wrong password, interleaved.
const unknown = [];
const wrong = [];
for (let i = 0; i < TIMING_SAMPLES; i += 1) {
  unknown.push((await login(`nobody-${i}@example.com`, PASSWORD)).ms);
  wrong.push((await login('bench@example.com', `wrong ${i} password`)).ms);
}
const mu = percentile(unknown, 50);
const mw = percentile(wrong, 50);
console.log(`  answer time, median of ${TIMING_SAMPLES}: unknown email ${fmt(mu)} ms, wrong password ${fmt(mw)} ms (ratio ${(mu / mw).toFixed(2)})`);

// 3. Forgot-password: existing vs unknown account, interleaved (distinct client addresses, so the
// per-client limit is not what is measured). The answer must not depend on the account.
async function forgot(email, i) {
  const started = performance.now();
  const res = await fetch(`${base}/auth/forgot-password`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': `198.51.100.${i % 250}` },
    body: JSON.stringify({ email }),
  });
  await res.arrayBuffer();
  if (res.status !== 202) throw new Error(`forgot-password answered ${res.status}`);
  return performance.now() - started;
}
const sharedHash = await passwordHasher.hash(PASSWORD);
for (let i = 0; i < TIMING_SAMPLES * 2; i += 1) {
  await services.data.users.create({ email: `reset-${i}@example.com`, hashedPassword: sharedHash, isVerified: true });
}
const existing = [];
const missing = [];
for (let i = 0; i < TIMING_SAMPLES * 2; i += 1) {
  existing.push(await forgot(`reset-${i}@example.com`, i));
  missing.push(await forgot(`missing-${i}@example.com`, i + 100));
}
await ctx.tasks.idle();
console.log(
  `  forgot-password answer time, median of ${TIMING_SAMPLES * 2}: existing ${fmt(percentile(existing, 50))} ms, unknown ${fmt(percentile(missing, 50))} ms`,
);

server.close();
await passwordHasher.close();
await db.close();
