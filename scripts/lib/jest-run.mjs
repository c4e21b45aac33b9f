// Runs one package's jest directly (not through its npm script) so the counts come back as JSON.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { runCommand } from './process.mjs';

/**
 * Resolves { passed, failed, skipped, suites, ok, note }. A run that crashed, timed out or failed
 * without a failing test (a suite that did not load, a missing JSON report) counts as >= 1 failed.
 */
export async function runJest({ packageDir, outputFile, args = [], env = process.env, timeoutMs }) {
  const jestBin = path.join(packageDir, 'node_modules', 'jest', 'bin', 'jest.js');
  if (!existsSync(jestBin)) {
    return { passed: 0, failed: 1, skipped: 0, suites: 0, ok: false, note: `jest is not installed in ${packageDir}` };
  }
  rmSync(outputFile, { force: true });
  const nodeArgs = [
    '--experimental-vm-modules',
    '--no-warnings=ExperimentalWarning',
    jestBin,
    '--rootDir',
    packageDir,
    '--json',
    '--outputFile',
    outputFile,
    ...args,
  ];
  const { code, signal, isTimedOut } = await runCommand(process.execPath, nodeArgs, { cwd: packageDir, env, timeoutMs });

  let report = null;
  if (existsSync(outputFile)) {
    try {
      report = JSON.parse(readFileSync(outputFile, 'utf8'));
    } catch {
      report = null;
    }
  }
  const passed = report?.numPassedTests ?? 0;
  const skipped = (report?.numPendingTests ?? 0) + (report?.numTodoTests ?? 0);
  const suites = report?.numTotalTestSuites ?? 0;
  // A suite that fails to load reports no failed test; count it as one.
  let failed = (report?.numFailedTests ?? 0) + (report?.numRuntimeErrorTestSuites ?? 0);
  let note = null;
  const isCleanExit = code === 0 && !signal && !isTimedOut;
  if (isTimedOut) note = 'timed out';
  else if (signal) note = `killed by ${signal}`;
  else if (!report) note = `no JSON report (jest exit code ${code})`;
  else if (report.numRuntimeErrorTestSuites > 0) note = `${report.numRuntimeErrorTestSuites} suite(s) failed to run`;
  else if (!isCleanExit && failed === 0) note = `jest exit code ${code}`;
  if (!isCleanExit || report?.success === false) failed = Math.max(failed, 1);
  return { passed, failed, skipped, suites, ok: failed === 0, note };
}
