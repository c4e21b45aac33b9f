// `npm test`: install, build, typecheck, lint, then every jest suite on the embedded database, the
// integration suites again on a throwaway Postgres cluster, and the browser tests. The last line
// printed is always "N passed, N failed".
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runJest } from './jest-run.mjs';
import { runLintChecks } from './lint.mjs';
import { findPostgresBinDir, startPostgresCluster } from './postgres-cluster.mjs';
import { formatSeconds, runCommand, runPnpm } from './process.mjs';
import { REPO_ROOT, buildWorkspace, installDependencies, listWorkspacePackages, typecheckWorkspace } from './workspace.mjs';

const MINUTE = 60_000;
const DEFAULT_CHROMIUM_PATH = '/usr/bin/chromium';
const INTEGRATION_TEST_PATTERN = '\\.int\\.test\\.ts$';

function isCi(env = process.env) {
  return Boolean(env.CI) && !['false', '0'].includes(env.CI.toLowerCase());
}

function isExecutable(file) {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function printHeader(index, total, title) {
  console.log(`\n=== [${index}/${total}] ${title} ===`);
}

function printNotice(text) {
  const bar = '!'.repeat(78);
  console.log(`\n${bar}\n!! ${text.split('\n').join('\n!! ')}\n${bar}`);
}

function describeCounts({ passed, failed, skipped = 0 }) {
  return `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`;
}

function withoutTestDatabaseUrl(env) {
  const { GATEHOUSE_TEST_POSTGRES_URL: _ignored, ...rest } = env;
  return rest;
}

export async function runTestCommand() {
  const startedAt = performance.now();
  const reportDir = mkdtempSync(path.join(os.tmpdir(), 'gatehouse-test-'));
  process.on('exit', () => rmSync(reportDir, { recursive: true, force: true }));
  /** @type {{ name: string, status: string, passed: number, failed: number, ms: number }[]} */
  const results = [];
  const notices = [];
  const STAGE_COUNT = 8;

  const timeStep = async (name, step) => {
    const stepStart = performance.now();
    const outcome = await step();
    const ms = performance.now() - stepStart;
    const result = { name, ms, passed: 0, failed: 0, skipped: 0, status: '', ...outcome };
    results.push(result);
    console.log(`--- ${name}: ${result.status} (${formatSeconds(ms)})`);
    return result;
  };
  const runToolStep = (name, action) => timeStep(name, async () => ((await action()) ? { status: 'ok' } : { status: 'FAILED', failed: 1 }));

  printHeader(1, STAGE_COUNT, 'Install dependencies (pnpm install --frozen-lockfile)');
  const install = await runToolStep('install', installDependencies);
  if (install.failed) return finish();

  printHeader(2, STAGE_COUNT, 'Build (turbo: shared, api + prisma generate, web)');
  await runToolStep('build', buildWorkspace);

  printHeader(3, STAGE_COUNT, 'Typecheck (turbo)');
  await runToolStep('typecheck', typecheckWorkspace);

  printHeader(4, STAGE_COUNT, 'Lint (ESLint, Prettier, knip, jscpd, dependency-cruiser)');
  await timeStep('lint', runLint);

  printHeader(5, STAGE_COUNT, 'Unit and integration tests on the embedded database (PGlite)');
  await timeStep('unit (PGlite)', runPackageTests);

  printHeader(6, STAGE_COUNT, 'Integration tests on a real PostgreSQL server');
  await timeStep('postgres', runPostgresTests);

  printHeader(7, STAGE_COUNT, 'Benchmark smoke run (bench/run.mjs --smoke: every row, no targets)');
  await timeStep('bench smoke', runBenchSmoke);

  printHeader(8, STAGE_COUNT, 'Browser tests (e2e, Chromium)');
  await timeStep('e2e', runBrowserTests);

  return finish();

  /** One check per tool: a tool that reports anything counts as one failed check. */
  async function runLint() {
    const { passed, failed } = await runLintChecks();
    return { passed, failed, status: describeCounts({ passed, failed }) };
  }

  async function runPackageTests() {
    const totals = { passed: 0, failed: 0, skipped: 0 };
    const lines = [];
    const packages = listWorkspacePackages().filter(({ relativePath, manifest }) => relativePath !== 'e2e' && manifest.scripts?.test);
    for (const { directory, relativePath, manifest } of packages) {
      const script = manifest.scripts.test;
      console.log(`\n--- ${relativePath}`);
      let result;
      if (/\bjest\b/.test(script)) {
        result = await runJest({
          packageDir: directory,
          outputFile: path.join(reportDir, `${relativePath.replaceAll('/', '-')}.json`),
          args: script.includes('--passWithNoTests') ? ['--passWithNoTests'] : [],
          env: withoutTestDatabaseUrl(process.env),
          timeoutMs: 15 * MINUTE,
        });
      } else {
        // Not jest: nothing to count, but its exit code still decides pass or fail.
        const { code } = await runPnpm(['run', 'test'], { cwd: directory, timeoutMs: 5 * MINUTE });
        result = { passed: 0, failed: code === 0 ? 0 : 1, skipped: 0, note: `test script is not jest (exit code ${code})` };
      }
      totals.passed += result.passed;
      totals.failed += result.failed;
      totals.skipped += result.skipped;
      lines.push(`    ${relativePath.padEnd(18)} ${describeCounts(result)}${result.note ? ` (${result.note})` : ''}`);
    }
    console.log(`\n${lines.join('\n')}`);
    return { ...totals, status: describeCounts(totals) };
  }

  async function runPostgresTests() {
    const binDir = findPostgresBinDir();
    if (!binDir) {
      const why = 'no PostgreSQL server binaries (initdb, pg_ctl) on PATH or in /usr/lib/postgresql/*/bin';
      return skipOrFail(`The real-Postgres test run was NOT done: ${why}.\nInstall PostgreSQL (Debian: apt-get install postgresql) to run it.`);
    }
    let cluster;
    try {
      cluster = await startPostgresCluster({ binDir });
    } catch (error) {
      console.log(`!! could not start PostgreSQL: ${error.message}`);
      return { status: 'FAILED (could not start PostgreSQL)', failed: 1 };
    }
    try {
      console.log(`PostgreSQL from ${binDir} listening on 127.0.0.1:${cluster.port}`);
      const result = await runJest({
        packageDir: path.join(REPO_ROOT, 'apps/api'),
        outputFile: path.join(reportDir, 'api-postgres.json'),
        args: ['--testPathPatterns', INTEGRATION_TEST_PATTERN],
        env: { ...process.env, GATEHOUSE_TEST_POSTGRES_URL: cluster.url },
        timeoutMs: 10 * MINUTE,
      });
      return { ...result, status: `${describeCounts(result)}${result.note ? ` (${result.note})` : ''}` };
    } finally {
      cluster.stop();
    }
  }

  /**
   * `pnpm bench` with about a second per scenario: proves the harness still produces every row
   * with numbers (it checks that itself and exits non-zero otherwise). Needs PostgreSQL like stage 5.
   */
  async function runBenchSmoke() {
    if (!findPostgresBinDir()) {
      return skipOrFail('The benchmark smoke run was NOT done: it needs the PostgreSQL server binaries.');
    }
    const { code, isTimedOut } = await runCommand(
      process.execPath,
      ['bench/run.mjs', '--smoke', '--no-build', '--output', path.join(reportDir, 'bench-smoke.json')],
      // About 40 s on an idle 2-core machine; the bound leaves room for a busy one.
      { cwd: REPO_ROOT, env: withoutTestDatabaseUrl(process.env), timeoutMs: 6 * MINUTE },
    );
    if (code === 0) return { status: '1 passed, 0 failed', passed: 1 };
    return { status: isTimedOut ? 'FAILED (timed out)' : `FAILED (exit code ${code})`, failed: 1 };
  }

  async function runBrowserTests() {
    const chromiumPath = process.env.CHROMIUM_PATH || DEFAULT_CHROMIUM_PATH;
    if (!isExecutable(chromiumPath)) {
      return skipOrFail(
        `The browser (e2e) tests were NOT run: no Chromium at ${chromiumPath}.\n` +
          'Install it (Debian: apt-get install chromium) or set CHROMIUM_PATH.',
      );
    }
    const result = await runJest({
      packageDir: path.join(REPO_ROOT, 'e2e'),
      outputFile: path.join(reportDir, 'e2e.json'),
      env: { ...withoutTestDatabaseUrl(process.env), CHROMIUM_PATH: chromiumPath },
      timeoutMs: 10 * MINUTE,
    });
    return { ...result, status: `${describeCounts(result)}${result.note ? ` (${result.note})` : ''}` };
  }

  /** A missing tool fails the run under CI; on a developer's machine it is a loud notice. */
  function skipOrFail(message) {
    if (isCi()) {
      printNotice(`${message}\nCI is set, so this counts as a failure.`);
      return { status: 'FAILED (not run)', failed: 1 };
    }
    printNotice(message);
    notices.push(message);
    return { status: 'NOT RUN (see notice)' };
  }

  function finish() {
    const passed = results.reduce((sum, result) => sum + result.passed, 0);
    const failed = results.reduce((sum, result) => sum + result.failed, 0);
    console.log('\n=== Summary ===');
    for (const result of results) {
      console.log(`  ${result.name.padEnd(15)} ${result.status.padEnd(40)} ${formatSeconds(result.ms).padStart(9)}`);
    }
    console.log(`  ${'total'.padEnd(15)} ${''.padEnd(40)} ${formatSeconds(performance.now() - startedAt).padStart(9)}`);
    for (const notice of notices) printNotice(notice);
    console.log(`${passed} passed, ${failed} failed`);
    return failed === 0 ? 0 : 1;
  }
}
