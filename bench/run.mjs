// `pnpm bench` / `npm run bench`: builds the workspace, then measures the built Gatehouse server
// (apps/api/dist/main.js, on 127.0.0.1) on PostgreSQL and on PGlite, beside two baselines measured
// in the same run: a bare Express 5 app and better-auth (email + password) on the same PostgreSQL.
// Prints one table and writes bench/results.json.
//
//   node bench/run.mjs [--smoke] [--no-build] [--backends=postgres,pglite]
//
// --smoke: about a second per scenario and small tables; checks that every row came out with
// numbers (no targets asserted). `npm test` runs it so the harness cannot rot.
import crypto from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { findPostgresBinDir, startPostgresCluster } from '../scripts/lib/postgres-cluster.mjs';
import { REPO_ROOT, buildWorkspace, installDependencies } from '../scripts/lib/workspace.mjs';
import { HEAP_PROBE_FLAGS, findFreePort, startServer } from './lib/servers.mjs';
import { measureSignInPageJs } from './lib/web-size.mjs';

const { values: options } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    'no-build': { type: 'boolean', default: false },
    backends: { type: 'string', default: 'postgres,pglite' },
    output: { type: 'string', default: path.join(REPO_ROOT, 'bench', 'results.json') },
    // Directory for `node --cpu-prof` profiles of every Gatehouse process (summarise them with
    // node bench/lib/top-frames.mjs <file>).
    'cpu-prof': { type: 'string' },
  },
});

// On a fresh clone nothing is installed yet: install and build first, and only then load what
// needs the dependencies (pg, autocannon, bcryptjs).
if (!options['no-build']) {
  console.log('[bench] install + build');
  if (!(await installDependencies())) throw new Error('pnpm install failed');
  if (!(await buildWorkspace())) throw new Error('build failed');
}
const { default: pg } = await import('pg');
const { runClosedLoop, runLoad, startProbe, startTimedLoop } = await import('./lib/load.mjs');
const { burstEmail, seedBenchUser, seedManySessions, measureHashPoolRate } = await import('./lib/seed.mjs');

const isSmoke = options.smoke;
const backends = options.backends.split(',').map((name) => name.trim());

const SETTINGS = isSmoke
  ? {
      rounds: 1,
      roundS: 1,
      warmS: 0,
      burstS: 2,
      mixedS: 1,
      startups: 0,
      cost: 10,
      users: 1_000,
      sessions: 10_000,
      settleMs: 200,
      deactivateAfterS: 0.5,
      cacheS: 1,
      deactivateWatchS: 1.5,
      tableRounds: 1,
      tableWarmS: 0,
    }
  : {
      // Four rounds of 1.5 s of each read scenario after one second of warm-up keep the whole
      // run, install and build included, within ten minutes on the 2-core machine.
      rounds: 4,
      roundS: 1.5,
      warmS: 1,
      burstS: 10,
      mixedS: 60,
      startups: 3,
      cost: 12,
      users: 100_000,
      sessions: 1_000_000,
      settleMs: 2_000,
      deactivateAfterS: 1,
      // session_cache_seconds: Gatehouse's default, which the README states as the bound.
      cacheS: 5,
      // Longer than that: a check cached before the change must have expired.
      deactivateWatchS: 7,
      // The large-table row: its two servers have just started (V8 still compiles the path the
      // first seconds: the first round ran at half the rate of the others with one second of
      // warm-up), and p99s of 1.5 s rounds spread from 0.86x to 1.42x within one run: five rounds,
      // an odd count, so the median is a round's own figure.
      tableRounds: 5,
      tableWarmS: 3,
    };
const CONNECTIONS = 10;
const BURST_CONNECTIONS = 50;
/** What Traefik's ForwardAuth sends with: every request of every guarded app goes through it. */
const FORWARD_CONNECTIONS = 50;
const EMAIL = 'bench@example.com';
const ADMIN_EMAIL = 'bench-admin@example.com';
/** Accounts an administrator deactivates while ForwardAuth answers for them (one per way of doing it). */
const VICTIM_EMAILS = ['deactivated-by-api@example.com', 'deactivated-by-replica@example.com'];
const PASSWORD = 'correct horse battery staple';
const API = '/api/v1';
const GUARDED_HOST = 'sonarr.example.com';
/**
 * The headers of Traefik's forwardAuth request (v3, `authRequestHeaders=Accept,Cookie,Authorization`
 * as the README's labels set): its Go client's own, X-Forwarded-* for the page asked for, and the
 * visitor's Accept (here an app's XHR; text/html is a page load).
 */
const traefikHeaders = (extra) => ({
  'user-agent': 'Go-http-client/1.1',
  'accept-encoding': 'gzip',
  'x-forwarded-for': '192.0.2.10',
  'x-forwarded-method': 'GET',
  'x-forwarded-proto': 'https',
  'x-forwarded-host': GUARDED_HOST,
  'x-forwarded-port': '443',
  'x-forwarded-uri': '/api/v3/series?includeSeasonImages=false',
  accept: 'application/json, text/plain, */*',
  ...extra,
});

const rows = [];
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const benchStartedAt = performance.now();
/** Each line says when it was written, from the start of the run: where the minutes go. */
const log = (text) => console.log(`[bench +${Math.round((performance.now() - benchStartedAt) / 1000)}s] ${text}`);

/**
 * One line of the table. `ratio` is value / baseline unless given; `target` is a predicate on the
 * ratio (or on the value when there is no baseline) with its text.
 */
function addRow({ backend, scenario, value, unit, baseline = null, ratio, target = null }) {
  const computedRatio = ratio ?? (baseline ? value / baseline.value : null);
  const checked = target ? target.check(computedRatio ?? value) : null;
  rows.push({
    backend,
    scenario,
    value,
    unit,
    baseline: baseline ? { name: baseline.name, value: baseline.value, unit: baseline.unit ?? unit } : null,
    ratio: computedRatio,
    target: target?.text ?? null,
    met: checked,
  });
}
const atLeast = (limit, text = `>= ${limit}x`) => ({ text, check: (x) => x >= limit });
/** A figure printed for the reader, with no target to meet. */
const REPORT = { text: 'report', check: () => true };
const atMost = (limit, text) => ({ text, check: (x) => x <= limit });

async function main() {
  const startedAt = performance.now();
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'gatehouse-bench-'));
  const cleanups = [() => rmSync(workDir, { recursive: true, force: true })];
  try {
    const web = measureSignInPageJs(path.join(REPO_ROOT, 'apps/web/dist'));
    addRow({ backend: 'web', scenario: 'sign-in page JS, gzipped', value: web.gzipKb, unit: 'KB', target: atMost(100, '<= 100 KB') });

    const express = await startBareExpress();
    cleanups.unshift(() => express.stop());
    // A second, identical bare Express: measured exactly as a Gatehouse scenario is, it shows how
    // far two rounds of the same server drift apart on this machine (the A/A control rows).
    const control = await startBareExpress();
    cleanups.unshift(() => control.stop());
    // The same bare Express served by Gatehouse's createHttpServer (requests built with the app's
    // prototypes): how much of Gatehouse's ratios that construction alone accounts for.
    const builtLikeGatehouse = await startBareExpress({ BUILT_LIKE_GATEHOUSE: '1' });
    cleanups.unshift(() => builtLikeGatehouse.stop());
    const baselines = { expressUrl: express.url, controlUrl: control.url, builtLikeGatehouseUrl: builtLikeGatehouse.url };

    if (backends.includes('postgres')) {
      const binDir = findPostgresBinDir();
      if (!binDir) {
        log('NOT RUN on PostgreSQL: no PostgreSQL server binaries (apt-get install postgresql)');
        if (isSmoke) throw new Error('the smoke run needs PostgreSQL');
      } else {
        const cluster = await startPostgresCluster({ binDir });
        cleanups.unshift(() => cluster.stop());
        await runOnPostgres(cluster, baselines, workDir);
      }
    }
    if (backends.includes('pglite')) await runOnPglite(baselines, workDir);
  } finally {
    for (const cleanup of cleanups) await cleanup();
  }
  const totalS = (performance.now() - startedAt) / 1000;
  printTable(totalS);
  writeFileSync(
    options.output,
    `${JSON.stringify({ date: new Date().toISOString(), smoke: isSmoke, cores: os.availableParallelism(), node: process.version, settings: SETTINGS, seconds: totalS, rows }, null, 2)}\n`,
  );
  log(`wrote ${path.relative(process.cwd(), options.output)}`);
  return isSmoke ? checkSmokeRows() : 0;
}

/** The bare Express baseline, left running so that each read scenario is measured beside it. */
async function startBareExpress(env = {}) {
  const port = await findFreePort();
  const server = await startServer({
    label: 'bare Express',
    args: [path.join(REPO_ROOT, 'bench/baselines/bare-express.mjs')],
    env: { PORT: String(port), ...env },
    readyUrl: `http://127.0.0.1:${port}/ok`,
  });
  return { url: `http://127.0.0.1:${port}/ok`, stop: server.stop };
}

/**
 * One read scenario beside bare Express (and, on PostgreSQL, better-auth's get-session):
 * SETTINGS.rounds runs of each in turn, so that all of them see the same machine at the same
 * time; a figure measured minutes away from its baseline drifted by up to a third here.
 * Requests/s and p99 are the medians of the rounds, and each ratio is the median of the rounds'
 * ratios, every Gatehouse round against the baseline round run right beside it: a round that other
 * work on the machine hit (down to half the rate, seen here) does not move them, and neither does
 * the machine's speed changing from round to round (bare Express went from 4,100 to 8,750 req/s
 * within one scenario here: a ratio of two medians would divide rounds run at different speeds).
 * Before the rounds, SETTINGS.warmS of unmeasured load, so that what is measured is the server's
 * steady state (its first seconds of a route ran ~25% slower while V8 compiled it), as bare
 * Express is after the scenarios before.
 * `baseline` is bare Express's URL, or the load of another server (the large-table row's, warmed up
 * too: it has just started).
 */
async function measureBesideBaselines(baseline, load, peerLoad, connections = CONNECTIONS, rounds = SETTINGS.rounds, warmS = SETTINGS.warmS) {
  const isBareExpress = typeof baseline === 'string';
  const baselineLoad = isBareExpress ? { label: 'bare Express', name: 'bare Express', url: baseline } : baseline;
  const baselineRuns = [];
  const gatehouse = [];
  const peer = [];
  if (warmS > 0) {
    if (!isBareExpress) await runLoad({ ...baselineLoad, label: `${baselineLoad.label} (warm-up)`, connections, durationS: warmS });
    await runLoad({ ...load, label: `${load.label} (warm-up)`, connections, durationS: warmS });
    if (peerLoad) await runLoad({ ...peerLoad, label: `${peerLoad.label} (warm-up)`, connections, durationS: warmS });
  }
  for (let round = 0; round < rounds; round += 1) {
    baselineRuns.push(await runLoad({ ...baselineLoad, connections, durationS: SETTINGS.roundS }));
    gatehouse.push(await runLoad({ ...load, connections, durationS: SETTINGS.roundS }));
    if (peerLoad) peer.push(await runLoad({ ...peerLoad, connections, durationS: SETTINGS.roundS }));
  }
  const medianRps = (runs) => median(runs.map((run) => run.rps));
  const pairedRatios = (baselines) => gatehouse.map((run, round) => run.rps / baselines[round].rps);
  const toBaseline = pairedRatios(baselineRuns);
  const toPeer = peerLoad ? pairedRatios(peer) : null;
  // p99 against the baseline's p99 in the same round.
  const p99Ratios = gatehouse.map((run, round) => run.p99Ms / baselineRuns[round].p99Ms);
  const eachRound = (values, digits = 0) => values.map((value) => value.toFixed(digits)).join(' ');
  log(
    `  rounds, req/s: ${baselineLoad.name} ${eachRound(baselineRuns.map((run) => run.rps))} | ${load.name ?? 'Gatehouse'} ${eachRound(gatehouse.map((run) => run.rps))}${peerLoad ? ` | better-auth ${eachRound(peer.map((run) => run.rps))}` : ''}`,
  );
  log(`  rounds, ratio: vs ${baselineLoad.name} ${eachRound(toBaseline, 2)}${toPeer ? ` | vs better-auth ${eachRound(toPeer, 2)}` : ''}`);
  const p99s = (runs) =>
    eachRound(
      runs.map((run) => run.p99Ms),
      1,
    );
  log(`  rounds, p99 ms: ${baselineLoad.name} ${p99s(baselineRuns)} | ${load.name ?? 'Gatehouse'} ${p99s(gatehouse)}`);
  return {
    rps: medianRps(gatehouse),
    p99Ms: median(gatehouse.map((run) => run.p99Ms)),
    p99Ratio: median(p99Ratios),
    lowestRatio: Math.min(...toBaseline),
    baseline: { name: baselineLoad.name, value: medianRps(baselineRuns), unit: 'req/s', ratio: median(toBaseline) },
    baselineP99Ms: median(baselineRuns.map((run) => run.p99Ms)),
    peer: toPeer ? { name: 'better-auth get-session', value: medianRps(peer), unit: 'req/s', ratio: median(toPeer) } : null,
  };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

function writeGatehouseConfig(dir, port, database, { cacheS = SETTINGS.cacheS } = {}) {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'config.toml');
  const databaseSection = database.url ? `url = "${database.url}"` : `data_dir = "${database.dataDir}"`;
  writeFileSync(
    file,
    `[server]\nhost = "127.0.0.1"\nport = ${port}\nlog_level = "info"\ntrusted_proxies = ["127.0.0.1"]\n\n` +
      `[misc]\nfrontend_url = "http://127.0.0.1:${port}"\n\n` +
      `[database]\n${databaseSection}\n\n[auth]\ntoken_secret = "${crypto.randomBytes(32).toString('hex')}"\n` +
      // The login burst measures throughput at 50 concurrent sign-ins: a hashing queue that deep
      // (the default bound answers the excess 503 at once, which is what a real server should do).
      `admin_emails = ["${ADMIN_EMAIL}"]\nbcrypt_cost = ${SETTINGS.cost}\npassword_hash_queue_limit = ${BURST_CONNECTIONS}\n` +
      `session_cache_seconds = ${cacheS}\n\n` +
      `[auth.forward_auth]\nallowed_hosts = ["*.example.com"]\n\n[[auth.forward_auth.rules]]\nhost = "${GUARDED_HOST}"\napi_keys = true\n`,
  );
  return file;
}

async function startGatehouse(configFile, cwd, port) {
  return startServer({
    label: 'Gatehouse',
    args: [
      ...(options['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(options['cpu-prof'])}`] : []),
      ...HEAP_PROBE_FLAGS,
      path.join(REPO_ROOT, 'apps/api/dist/main.js'),
      '--config',
      configFile,
    ],
    cwd,
    // Ready means migrated and able to answer, as an orchestrator's readiness probe asks.
    readyUrl: `http://127.0.0.1:${port}${API}/health/ready`,
  });
}

/**
 * Median of `count` start-ups (process spawn to the first 200 from /health/ready), then a server left
 * running for the load scenarios. With count 0 (smoke) the start-up of that server is the figure.
 */
async function startMeasuringStartup(configFile, cwd, port, count) {
  const times = [];
  for (let i = 0; i < count; i += 1) {
    const server = await startGatehouse(configFile, cwd, port);
    times.push(server.readyMs);
    await server.stop();
  }
  const server = await startGatehouse(configFile, cwd, port);
  if (count === 0) times.push(server.readyMs);
  times.sort((a, b) => a - b);
  return { server, startupMs: times[Math.floor(times.length / 2)] };
}

async function signIn(base, email = EMAIL) {
  const body = JSON.stringify({ username: email, password: PASSWORD });
  const headers = { 'content-type': 'application/json' };
  const jwt = await fetch(`${base}${API}/auth/jwt/login`, { method: 'POST', headers, body });
  if (jwt.status !== 200) throw new Error(`jwt login answered ${jwt.status}: ${await jwt.text()}`);
  const { access_token: token } = await jwt.json();
  const cookieLogin = await fetch(`${base}${API}/auth/cookie/login`, { method: 'POST', headers, body });
  if (cookieLogin.status !== 204) throw new Error(`cookie login answered ${cookieLogin.status}`);
  const pairs = cookieLogin.headers.getSetCookie().map((line) => line.split(';')[0]);
  const cookie = pairs.find((pair) => pair.startsWith('gatehouse_session='));
  const forwardCookie = pairs.find((pair) => pair.startsWith('gatehouse_forward='));
  if (!cookie || !forwardCookie) throw new Error('cookie login did not set gatehouse_session and gatehouse_forward');
  return { token, cookie, forwardCookie, userId: await readMyId(base, token) };
}

async function readMyId(base, token) {
  const res = await fetch(`${base}${API}/users/me`, { headers: { authorization: `Bearer ${token}` } });
  if (res.status !== 200) throw new Error(`GET /users/me answered ${res.status}`);
  return (await res.json()).id;
}

/** An API key of the bench user, made as a person makes one (a signed-in session, not a key). */
async function createApiKey(base, auth) {
  const res = await fetch(`${base}${API}/users/me/api-keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${auth.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'bench', scope: 'read' }),
  });
  if (res.status !== 201) throw new Error(`creating an API key answered ${res.status}: ${await res.text()}`);
  return (await res.json()).key;
}

/**
 * The read scenarios every backend runs, each beside bare Express in the same rounds: /users/me
 * by Bearer, cookie and API key, /auth/metadata, and ForwardAuth as Traefik calls it (its
 * cookie, no credential, an API key) at FORWARD_CONNECTIONS.
 */
async function measureReads(backend, base, auth, { expressUrl, controlUrl, builtLikeGatehouseUrl }, peerLoad) {
  const me = `${base}${API}/users/me`;
  const forward = `${base}${API}/auth/forward`;
  const beside = peerLoad ? 'beside bare Express and better-auth' : 'beside bare Express';
  const measure = async (title, load, peer = null, connections = CONNECTIONS, rounds = SETTINGS.rounds) => {
    log(`${backend}: ${title}, ${connections} connections, ${peer ? beside : 'beside bare Express'}`);
    return measureBesideBaselines(expressUrl, { label: title, ...load }, peer, connections, rounds);
  };
  const bearer = await measure('GET /users/me, Bearer', { url: me, headers: { authorization: `Bearer ${auth.token}` } }, peerLoad);
  const cookie = await measure('GET /users/me, cookie', { url: me, headers: { cookie: auth.cookie } }, peerLoad);
  const apiKey = await measure('GET /users/me, API key', { url: me, headers: { authorization: `Bearer ${auth.apiKey}` } });
  const metadata = await measure('GET /auth/metadata', { url: `${base}${API}/auth/metadata` });
  // The A/A control, right after the metadata rounds: bare Express against a second bare Express
  // process, in the same rounds. The servers are identical, so every distance of a round's ratio
  // from 1.00x is the machine's noise, the yardstick for "every round" above.
  const control = await measure('bare Express, a second process (A/A control)', { url: controlUrl, name: 'second bare Express' });
  // A figure to report, not one with a target: two rounds (the run stays within ten minutes).
  const builtLikeGatehouse = await measure(
    "bare Express served by Gatehouse's createHttpServer",
    { url: builtLikeGatehouseUrl, name: 'bare Express built like Gatehouse' },
    null,
    CONNECTIONS,
    Math.min(2, SETTINGS.rounds),
  );
  const forwardCookie = await measure(
    'GET /auth/forward, gatehouse_forward cookie',
    { url: forward, headers: traefikHeaders({ cookie: `${auth.forwardCookie}; sonarr_session=app-own-cookie` }) },
    null,
    FORWARD_CONNECTIONS,
  );
  const forwardAnonymous = await measure(
    'GET /auth/forward, no credential (302 to sign-in)',
    { url: forward, headers: traefikHeaders({ accept: 'text/html,application/xhtml+xml' }), expectStatus: 302 },
    null,
    FORWARD_CONNECTIONS,
  );
  const forwardKey = await measure(
    'GET /auth/forward, API key',
    { url: forward, headers: traefikHeaders({ authorization: `Bearer ${auth.apiKey}` }) },
    null,
    FORWARD_CONNECTIONS,
  );
  // What Traefik waits for on each guarded request, one at a time (the README quotes it).
  log(`${backend}: GET /auth/forward, cookie, one connection (time per answer)`);
  const single = await measureBesideBaselines(
    expressUrl,
    { label: 'forward, one connection', url: forward, headers: traefikHeaders({ cookie: auth.forwardCookie }) },
    null,
    1,
    // A figure to report, not a ratio with a target: two rounds are enough.
    Math.min(2, SETTINGS.rounds),
  );

  const versus = (scenario, load, target) =>
    addRow({
      backend,
      scenario: `${scenario} vs bare Express`,
      value: load.rps,
      unit: 'req/s',
      baseline: load.baseline,
      ratio: load.baseline.ratio,
      target,
    });
  versus('GET /users/me, Bearer', bearer, atLeast(0.6));
  versus('GET /users/me, cookie', cookie, atLeast(0.6));
  for (const [scenario, load] of [
    ['GET /users/me, Bearer', bearer],
    ['GET /users/me, cookie', cookie],
  ]) {
    if (load.peer)
      addRow({
        backend,
        scenario: `${scenario} vs better-auth get-session`,
        value: load.rps,
        unit: 'req/s',
        baseline: load.peer,
        ratio: load.peer.ratio,
        target: atLeast(8),
      });
  }
  versus('GET /users/me, API key', apiKey, atLeast(0.5));
  versus('GET /auth/metadata', metadata, atLeast(0.8));
  addRow({
    backend,
    scenario: `GET /auth/metadata, lowest of ${SETTINGS.rounds} rounds vs bare Express`,
    value: metadata.lowestRatio,
    unit: 'x',
    ratio: metadata.lowestRatio,
    target: atLeast(0.8, '>= 0.8x every round'),
  });
  versus('A/A control: a second bare Express', control, REPORT);
  addRow({
    backend,
    scenario: `A/A control, lowest of ${SETTINGS.rounds} rounds vs bare Express`,
    value: control.lowestRatio,
    unit: 'x',
    ratio: control.lowestRatio,
    target: REPORT,
  });
  versus('bare Express, requests built as Gatehouse builds them,', builtLikeGatehouse, REPORT);
  // Each of the two beside bare Express in its own rounds, so their ratios divide: what Gatehouse
  // adds to the smallest answer, against an Express app that builds its requests the same way.
  const metadataVsBuiltLike = metadata.baseline.ratio / builtLikeGatehouse.baseline.ratio;
  addRow({
    backend,
    scenario: 'GET /auth/metadata vs bare Express built as Gatehouse builds (ratio of the two ratios)',
    value: metadataVsBuiltLike,
    unit: 'x',
    ratio: metadataVsBuiltLike,
    target: REPORT,
  });
  versus(`ForwardAuth, cookie, ${FORWARD_CONNECTIONS} conn.`, forwardCookie, atLeast(0.6));
  addRow({
    backend,
    scenario: `ForwardAuth, cookie, p99 vs bare Express p99 (same round)`,
    value: forwardCookie.p99Ms,
    unit: 'ms',
    baseline: { name: 'bare Express p99', value: forwardCookie.baselineP99Ms, unit: 'ms' },
    ratio: forwardCookie.p99Ratio,
    target: atMost(2, '<= 2x'),
  });
  versus(`ForwardAuth, no credential (302), ${FORWARD_CONNECTIONS} conn.`, forwardAnonymous, atLeast(0.7));
  versus(`ForwardAuth, API key, ${FORWARD_CONNECTIONS} conn.`, forwardKey, atLeast(0.5));
  addRow({
    backend,
    scenario: 'ForwardAuth, cookie, 1 conn.: time per answer',
    value: 1000 / single.rps,
    unit: 'ms',
    baseline: { name: 'bare Express', value: 1000 / single.baseline.value, unit: 'ms' },
    target: REPORT,
  });
}

/**
 * ForwardAuth loaded with one user's cookie while an administrator deactivates that user, through
 * the API of this server (`deactivate` = 'api') or as another replica would, writing the database
 * without this process hearing of it ('replica'). The figure is the time from the deactivation's
 * completion to the send time of the last request ForwardAuth still answered 200 (0 when none):
 * how long a deactivated user kept getting through.
 */
async function measureDeactivation(backend, base, { victim, admin, how, deactivateInDatabase }) {
  const url = `${base}${API}/auth/forward`;
  log(`${backend}: ForwardAuth while the user is deactivated (${how === 'api' ? 'through the API' : 'by another replica'})`);
  const stop = startTimedLoop({ url, concurrency: FORWARD_CONNECTIONS, headers: traefikHeaders({ cookie: victim.forwardCookie }) });
  await sleep(SETTINGS.deactivateAfterS * 1000);
  if (how === 'api') {
    const res = await fetch(`${base}${API}/users/${victim.userId}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ is_active: false }),
    });
    if (res.status !== 200) throw new Error(`deactivating answered ${res.status}: ${await res.text()}`);
  } else {
    await deactivateInDatabase(victim.userId);
  }
  const deactivatedAt = performance.now();
  await sleep(SETTINGS.deactivateWatchS * 1000);
  const answers = await stop();
  const before = answers.filter(([sentAt, status]) => sentAt < deactivatedAt && status === 200).length;
  if (before === 0) throw new Error(`${backend}: ForwardAuth answered no 200 before the deactivation`);
  const unexpected = answers.filter(([, status]) => status !== 200 && status !== 401);
  if (unexpected.length > 0) throw new Error(`${backend}: ForwardAuth answered ${unexpected[0][1]} during the deactivation run`);
  const lastPass = answers.reduce((last, [sentAt, status]) => (status === 200 && sentAt > last ? sentAt : last), deactivatedAt);
  const refusedAfter = answers.filter(([sentAt, status]) => sentAt > lastPass && status === 401).length;
  if (refusedAfter === 0) throw new Error(`${backend}: ForwardAuth never stopped answering 200 for the deactivated user`);
  addRow({
    backend,
    scenario: `ForwardAuth: deactivated ${how === 'api' ? 'through the API' : 'by another replica'}, time until refused`,
    value: (lastPass - deactivatedAt) / 1000,
    unit: 's',
    target: atMost(SETTINGS.cacheS, `<= ${SETTINGS.cacheS} s (session_cache_seconds)`),
  });
}

/** The accounts and credentials the scenarios use, signed in the way people and scripts do. */
async function prepareCredentials(base) {
  const auth = await signIn(base);
  auth.apiKey = await createApiKey(base, auth);
  const admin = await signIn(base, ADMIN_EMAIL);
  const victims = await Promise.all(VICTIM_EMAILS.map((email) => signIn(base, email)));
  return { auth, admin, victims };
}

/** Sign-ins and everyday reads together, for the memory figure after load. */
async function runMixedLoad(base, auth) {
  const url = `${base}${API}/health`;
  const reads = runLoad({
    label: 'mixed reads',
    url,
    connections: CONNECTIONS,
    durationS: SETTINGS.mixedS,
    requests: [
      { method: 'GET', path: `${API}/users/me`, headers: { authorization: `Bearer ${auth.token}` } },
      { method: 'GET', path: `${API}/users/me`, headers: { cookie: auth.cookie } },
      { method: 'GET', path: `${API}/users/me`, headers: { authorization: `Bearer ${auth.apiKey}` } },
      { method: 'GET', path: `${API}/auth/metadata` },
      { method: 'GET', path: `${API}/auth/forward`, headers: traefikHeaders({ cookie: auth.forwardCookie }) },
      { method: 'GET', path: `${API}/health` },
    ],
  });
  const logins = runClosedLoop({
    label: 'mixed logins',
    url: `${base}${API}/auth/jwt/login`,
    concurrency: 2,
    durationS: SETTINGS.mixedS,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: EMAIL, password: PASSWORD }),
  });
  await Promise.all([reads, logins]);
}

/**
 * Two identical periods of mixed load. A V8 heap grows under load and keeps the pages it grew, so
 * RSS after load against idle says little; what tells a leak from a warm heap is the second period
 * against the first: a leak keeps growing, a warm heap does not. Each period ends with RSS, then
 * a forced full GC in the server (bench/lib/heap-probe.mjs) and the heap that is left.
 */
async function measureMemoryPlateau(server, base, auth, idleRss) {
  const periods = [];
  for (const period of [1, 2]) {
    log(`postgres: mixed load, period ${period} of 2 (${SETTINGS.mixedS} s)`);
    await runMixedLoad(base, auth);
    const rssMb = server.rssMb();
    const { heapUsedMb } = await server.heapAfterGc();
    log(`  RSS ${rssMb.toFixed(1)} MB, heapUsed after a forced GC ${heapUsedMb.toFixed(1)} MB`);
    periods.push({ rssMb, heapUsedMb });
  }
  const [first, second] = periods;
  addRow({
    backend: 'postgres',
    scenario: `RSS after ${SETTINGS.mixedS} s mixed load vs idle`,
    value: first.rssMb,
    unit: 'MB',
    baseline: { name: 'RSS idle', value: idleRss },
    target: atMost(1.6, '< 1.6x'),
  });
  addRow({
    backend: 'postgres',
    scenario: `RSS after a second ${SETTINGS.mixedS} s vs after the first`,
    value: second.rssMb,
    unit: 'MB',
    baseline: { name: 'after the first', value: first.rssMb },
    target: atMost(1.05, '<= 1.05x'),
  });
  addRow({
    backend: 'postgres',
    scenario: 'heapUsed after forced GC, second period vs first',
    value: second.heapUsedMb,
    unit: 'MB',
    baseline: { name: 'after the first', value: first.heapUsedMb },
    target: atMost(1.1, '<= 1.1x'),
  });
  return periods;
}

async function runOnPostgres(cluster, baselines, workDir) {
  const admin = new pg.Client({ connectionString: cluster.url });
  await admin.connect();
  await admin.query('CREATE DATABASE gatehouse_bench');
  await admin.query('CREATE DATABASE better_auth_bench');
  // The large-table row's baseline: the same schema holding only the bench account.
  await admin.query('CREATE DATABASE gatehouse_bench_small');
  await admin.end();
  const databaseUrl = cluster.url.replace(/\/postgres$/, '/gatehouse_bench');
  const smallUrl = cluster.url.replace(/\/postgres$/, '/gatehouse_bench_small');
  const smallTarget = { kind: 'postgres', url: smallUrl };
  const peerUrl = cluster.url.replace(/\/postgres$/, '/better_auth_bench');

  const peer = await startBetterAuth(peerUrl);

  const target = { kind: 'postgres', url: databaseUrl };
  await seedBenchUser(target, {
    email: EMAIL,
    password: PASSWORD,
    cost: SETTINGS.cost,
    extraCount: BURST_CONNECTIONS,
    otherEmails: [ADMIN_EMAIL, ...VICTIM_EMAILS],
    adminEmails: [ADMIN_EMAIL],
  });
  const port = await findFreePort();
  const configFile = writeGatehouseConfig(path.join(workDir, 'postgres'), port, { url: databaseUrl });
  const cwd = path.dirname(configFile);
  log('postgres: start-up');
  const { server, startupMs } = await startMeasuringStartup(configFile, cwd, port, SETTINGS.startups);
  const extraServers = [];
  try {
    addRow({ backend: 'postgres', scenario: 'start-up to ready (migrated)', value: startupMs / 1000, unit: 's', target: atMost(1.5, '< 1.5 s') });
    const base = `http://127.0.0.1:${port}`;
    await sleep(SETTINGS.settleMs);
    const idleRss = server.rssMb();
    addRow({ backend: 'postgres', scenario: 'RSS idle', value: idleRss, unit: 'MB', target: atMost(120, '< 120 MB') });
    const { auth, admin, victims } = await prepareCredentials(base);
    await measureMemoryPlateau(server, base, auth, idleRss);

    await measureReads('postgres', base, auth, baselines, peer.sessionLoad);
    await measureDeactivation('postgres', base, { victim: victims[0], admin, how: 'api' });
    await measureDeactivation('postgres', base, {
      victim: victims[1],
      how: 'replica',
      deactivateInDatabase: async (userId) => {
        const client = new pg.Client({ connectionString: databaseUrl });
        await client.connect();
        try {
          await client.query('UPDATE users SET is_active = false WHERE id = $1', [userId]);
        } finally {
          await client.end();
        }
      },
    });

    // The pool alone is measured just before and just after the burst, in the same conditions.
    const measurePool = () => measureHashPoolRate({ cost: SETTINGS.cost, concurrency: BURST_CONNECTIONS, durationS: SETTINGS.burstS / 2 });
    log(`worker pool alone: bcrypt cost ${SETTINGS.cost}, ${BURST_CONNECTIONS} concurrent verifications (before the burst)`);
    const poolBefore = await measurePool();
    log(`postgres: login burst, ${BURST_CONNECTIONS} concurrent, with a /health probe`);
    const stopProbe = startProbe(`${base}${API}/health`);
    const burst = await runClosedLoop({
      label: 'login burst',
      url: `${base}${API}/auth/jwt/login`,
      concurrency: BURST_CONNECTIONS,
      durationS: SETTINGS.burstS,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      // Each connection signs in as its own account (a burst is many people signing in).
      body: (index) => JSON.stringify({ username: burstEmail(index), password: PASSWORD }),
    });
    const probe = await stopProbe();
    log('worker pool alone (after the burst)');
    const poolRate = (poolBefore + (await measurePool())) / 2;
    addRow({
      backend: 'postgres',
      scenario: `login burst (${BURST_CONNECTIONS} conc., cost ${SETTINGS.cost}) vs worker pool alone`,
      value: burst.rps,
      unit: 'logins/s',
      baseline: { name: 'hashes/s', value: poolRate, unit: 'hashes/s' },
      target: atLeast(0.9, '>= 0.9x'),
    });
    addRow({ backend: 'postgres', scenario: 'GET /health p99 during the burst', value: probe.p99Ms, unit: 'ms', target: atMost(25, '< 25 ms') });
    addRow({
      backend: 'postgres',
      scenario: `login throughput vs better-auth sign-in (both bcrypt ${SETTINGS.cost})`,
      value: burst.rps,
      unit: 'logins/s',
      baseline: peer.signIn,
      target: REPORT,
    });

    // The large-table row reads the tables on every request: two more servers with
    // session_cache_seconds = 0 (as a replica that has not seen the session yet), one on this
    // database once it holds SETTINGS.sessions sessions, one on a database holding only the bench
    // account, loaded in turns in the same rounds. With the cache on, a session's rows are read
    // once per session_cache_seconds and the tables' size cannot show; and two loads run a minute
    // apart measure the machine as much as the server (the cached path, which reads no table, moved
    // by up to 1.5x between a load before the fill and one after it).
    log(`postgres: ${SETTINGS.sessions} sessions, ${SETTINGS.users} users`);
    const counts = await seedManySessions(target, { userCount: SETTINGS.users, sessionCount: SETTINGS.sessions });
    log(`postgres: tables now hold ${counts.users} users, ${counts.sessions} sessions`);
    await seedBenchUser(smallTarget, { email: EMAIL, password: PASSWORD, cost: SETTINGS.cost });
    const startUncached = async (name, url) => {
      const uncachedPort = await findFreePort();
      const file = writeGatehouseConfig(path.join(workDir, name), uncachedPort, { url }, { cacheS: 0 });
      extraServers.push(await startGatehouse(file, path.dirname(file), uncachedPort));
      const uncachedBase = `http://127.0.0.1:${uncachedPort}`;
      const { token } = await signIn(uncachedBase);
      return { label: `GET /users/me, uncached, ${name}`, url: `${uncachedBase}${API}/users/me`, headers: { authorization: `Bearer ${token}` } };
    };
    const large = { ...(await startUncached('large', databaseUrl)), name: `${counts.sessions} sessions` };
    const small = { ...(await startUncached('small', smallUrl)), name: 'a handful' };
    log(`postgres: GET /users/me, Bearer, read from the database each time: ${counts.sessions} sessions beside a handful, in turns`);
    const filled = await measureBesideBaselines(small, large, null, CONNECTIONS, SETTINGS.tableRounds, SETTINGS.tableWarmS);
    addRow({
      backend: 'postgres',
      scenario: `GET /users/me p99, read from the tables each time, ${counts.sessions} sessions vs a handful`,
      value: filled.p99Ms,
      unit: 'ms',
      baseline: { name: 'a handful of sessions, p99', value: filled.baselineP99Ms, unit: 'ms' },
      ratio: filled.p99Ratio,
      target: atMost(1.5, '<= 1.5x'),
    });
    addRow({
      backend: 'postgres',
      scenario: `GET /users/me, read from the tables each time, ${counts.sessions} sessions vs a handful`,
      value: filled.rps,
      unit: 'req/s',
      baseline: filled.baseline,
      ratio: filled.baseline.ratio,
      target: REPORT,
    });
  } finally {
    for (const extra of extraServers) await extra.stop();
    await server.stop();
    await peer.stop();
  }
}

/**
 * better-auth on the same PostgreSQL server: its sign-in/email rate (sign-ins/s, measured here),
 * and its get-session load, left running so the read scenarios can load it in turns with Gatehouse.
 */
async function startBetterAuth(databaseUrl) {
  const port = await findFreePort();
  const base = `http://127.0.0.1:${port}`;
  const server = await startServer({
    label: 'better-auth',
    args: [path.join(REPO_ROOT, 'bench/baselines/better-auth.mjs')],
    env: {
      PORT: String(port),
      DATABASE_URL: databaseUrl,
      BCRYPT_COST: String(SETTINGS.cost),
      BETTER_AUTH_SECRET: crypto.randomBytes(32).toString('hex'),
    },
    readyUrl: `${base}/api/auth/ok`,
  });
  try {
    const headers = { 'content-type': 'application/json', origin: base };
    const signUp = await fetch(`${base}/api/auth/sign-up/email`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ email: EMAIL, password: PASSWORD, name: 'Bench' }),
    });
    if (signUp.status !== 200) throw new Error(`better-auth sign-up answered ${signUp.status}: ${await signUp.text()}`);
    const signInBody = JSON.stringify({ email: EMAIL, password: PASSWORD });
    const signIn = await fetch(`${base}/api/auth/sign-in/email`, { method: 'POST', headers, body: signInBody });
    if (signIn.status !== 200) throw new Error(`better-auth sign-in answered ${signIn.status}: ${await signIn.text()}`);
    const cookie = signIn.headers
      .getSetCookie()
      .map((line) => line.split(';')[0])
      .join('; ');
    const check = await fetch(`${base}/api/auth/get-session`, { headers: { cookie } });
    const session = await check.json();
    if (!session?.user?.email) throw new Error(`better-auth get-session did not return the user: ${JSON.stringify(session)}`);

    log(`better-auth: POST /api/auth/sign-in/email, ${BURST_CONNECTIONS} concurrent`);
    const signIns = await runClosedLoop({
      label: 'better-auth sign-in',
      url: `${base}/api/auth/sign-in/email`,
      concurrency: BURST_CONNECTIONS,
      // Half the burst's time: this is the peer's figure for a report row.
      durationS: SETTINGS.burstS / 2,
      method: 'POST',
      headers,
      body: signInBody,
    });
    return {
      signIn: { name: 'better-auth sign-in', value: signIns.rps, unit: 'logins/s' },
      sessionLoad: { label: 'better-auth get-session', url: `${base}/api/auth/get-session`, headers: { cookie } },
      stop: server.stop,
    };
  } catch (error) {
    await server.stop();
    throw error;
  }
}

/** RSS of a process that holds only PGlite, open on `dataDir` as Gatehouse opens it, idle. */
async function measurePgliteAlone(dataDir) {
  const port = await findFreePort();
  const alone = await startServer({
    label: 'PGlite alone',
    args: [path.join(REPO_ROOT, 'bench/baselines/pglite-alone.mjs')],
    env: { PORT: String(port), DATA_DIR: dataDir },
    readyUrl: `http://127.0.0.1:${port}/`,
  });
  try {
    await sleep(SETTINGS.settleMs);
    return alone.rssMb();
  } finally {
    await alone.stop();
  }
}

async function runOnPglite(baselines, workDir) {
  const dir = path.join(workDir, 'pglite');
  const dataDir = path.join(dir, 'data');
  const port = await findFreePort();
  const configFile = writeGatehouseConfig(dir, port, { dataDir });
  // The server keeps PGlite's files in <data_dir>/pglite.
  const pgliteDir = path.join(dataDir, 'pglite');
  await seedBenchUser(
    { kind: 'embedded', dataDir: pgliteDir },
    { email: EMAIL, password: PASSWORD, cost: SETTINGS.cost, otherEmails: [ADMIN_EMAIL, ...VICTIM_EMAILS], adminEmails: [ADMIN_EMAIL] },
  );
  const pgliteAloneMb = await measurePgliteAlone(pgliteDir);
  log('pglite: start-up');
  const { server, startupMs } = await startMeasuringStartup(configFile, dir, port, SETTINGS.startups);
  try {
    addRow({ backend: 'pglite', scenario: 'start-up to ready (migrated)', value: startupMs / 1000, unit: 's', target: atMost(3, '< 3 s') });
    await sleep(SETTINGS.settleMs);
    addRow({
      backend: 'pglite',
      scenario: 'RSS idle vs PGlite alone',
      value: server.rssMb(),
      unit: 'MB',
      baseline: { name: 'PGlite alone', value: pgliteAloneMb },
      target: REPORT,
    });
    const base = `http://127.0.0.1:${port}`;
    const { auth, admin, victims } = await prepareCredentials(base);
    await measureReads('pglite', base, auth, baselines, null);
    await measureDeactivation('pglite', base, { victim: victims[0], admin, how: 'api' });
  } finally {
    await server.stop();
  }
}

const fmt = (n) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));

function printTable(totalS) {
  const header = ['backend', 'scenario', 'figure', 'baseline', 'ratio', 'target', 'met'];
  const lines = rows.map((row) => [
    row.backend,
    row.scenario,
    `${fmt(row.value)} ${row.unit}`,
    row.baseline ? `${fmt(row.baseline.value)} ${row.baseline.unit}` : '',
    row.ratio === null ? '' : `${row.ratio.toFixed(2)}x`,
    row.target ?? '',
    row.met === null ? '' : row.target === 'report' ? '-' : row.met ? 'yes' : 'NO',
  ]);
  const widths = header.map((title, i) => Math.max(title.length, ...lines.map((line) => line[i].length)));
  const format = (cells) => `| ${cells.map((cell, i) => cell.padEnd(widths[i])).join(' | ')} |`;
  console.log(
    `\nGatehouse benchmark${isSmoke ? ' (SMOKE: figures meaningless)' : ''}: ${os.availableParallelism()} cores, node ${process.version}, bcrypt cost ${SETTINGS.cost}, ${fmt(totalS)} s`,
  );
  console.log(format(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const line of lines) console.log(format(line));
}

/** The rows every complete run has; a smoke run fails if one is missing or not a number. */
const EXPECTED_ROWS = [
  'web|sign-in page JS, gzipped',
  ...['postgres', 'pglite'].flatMap((backend) => [
    `${backend}|start-up to ready (migrated)`,
    `${backend}|RSS idle`,
    `${backend}|GET /users/me, Bearer vs bare Express`,
    `${backend}|GET /users/me, cookie vs bare Express`,
    `${backend}|GET /users/me, API key vs bare Express`,
    `${backend}|GET /auth/metadata vs bare Express`,
    `${backend}|GET /auth/metadata, lowest of`,
    `${backend}|A/A control: a second bare Express`,
    `${backend}|A/A control, lowest of`,
    `${backend}|bare Express, requests built as Gatehouse builds them`,
    `${backend}|GET /auth/metadata vs bare Express built as Gatehouse builds`,
    `${backend}|ForwardAuth, cookie, ${FORWARD_CONNECTIONS} conn.`,
    `${backend}|ForwardAuth, cookie, p99`,
    `${backend}|ForwardAuth, no credential (302)`,
    `${backend}|ForwardAuth, API key`,
    `${backend}|ForwardAuth, cookie, 1 conn.`,
    `${backend}|ForwardAuth: deactivated through the API`,
  ]),
  'postgres|ForwardAuth: deactivated by another replica',
  'postgres|GET /users/me, Bearer vs better-auth get-session',
  'postgres|GET /users/me, cookie vs better-auth get-session',
  'postgres|RSS after',
  'postgres|RSS after a second',
  'postgres|heapUsed after forced GC',
  'postgres|login burst',
  'postgres|GET /health p99 during the burst',
  'postgres|login throughput vs better-auth sign-in',
  'postgres|GET /users/me p99, read from the tables each time',
  'postgres|GET /users/me, read from the tables each time',
];

function checkSmokeRows() {
  const problems = [];
  for (const expected of EXPECTED_ROWS) {
    const [backend, prefix] = expected.split('|');
    if (!backends.includes(backend) && backend !== 'web') continue;
    const row = rows.find((r) => r.backend === backend && r.scenario.startsWith(prefix));
    if (!row) problems.push(`missing row: ${backend} ${prefix}`);
    else if (!Number.isFinite(row.value) || (row.baseline && !Number.isFinite(row.ratio))) problems.push(`not a number: ${backend} ${row.scenario}`);
  }
  if (problems.length) {
    console.error(`bench smoke FAILED:\n  ${problems.join('\n  ')}`);
    return 1;
  }
  console.log(`bench smoke: all ${rows.length} rows have numeric figures`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`bench FAILED: ${error.stack ?? error.message}`);
    process.exit(1);
  },
);
