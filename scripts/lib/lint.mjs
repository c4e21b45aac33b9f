// The lint step of `npm test` and `pnpm lint`: each tool is one check that passes or fails on its
// exit code. ESLint's type-aware rules need the build (Prisma client, packages/shared's .d.ts).
import path from 'node:path';
import { formatSeconds, runCommand } from './process.mjs';
import { REPO_ROOT } from './workspace.mjs';

const MINUTE = 60_000;

export const LINT_CHECKS = [
  { name: 'eslint', command: 'eslint', args: ['.'], timeoutMs: 15 * MINUTE },
  { name: 'prettier', command: 'prettier', args: ['--check', '--log-level', 'warn', '.'], timeoutMs: 5 * MINUTE },
  { name: 'knip', command: 'knip', args: ['--no-progress'], timeoutMs: 5 * MINUTE },
  { name: 'jscpd', command: 'jscpd', args: [], timeoutMs: 5 * MINUTE },
  {
    name: 'dependency-cruiser',
    command: 'depcruise',
    args: ['apps', 'packages', 'e2e', 'bench', 'scripts', '--config', '.dependency-cruiser.cjs'],
    timeoutMs: 5 * MINUTE,
  },
];

/** Runs every check (a failure does not stop the others). Resolves { passed, failed, lines }. */
export async function runLintChecks(checks = LINT_CHECKS) {
  let passed = 0;
  let failed = 0;
  const lines = [];
  for (const check of checks) {
    console.log(`\n--- ${check.name}`);
    const startedAt = performance.now();
    const { code, isTimedOut } = await runCommand(path.join(REPO_ROOT, 'node_modules/.bin', check.command), check.args, {
      cwd: REPO_ROOT,
      timeoutMs: check.timeoutMs,
    });
    const ok = code === 0;
    if (ok) passed += 1;
    else failed += 1;
    const verdict = ok ? 'ok' : isTimedOut ? 'FAILED (timed out)' : `FAILED (exit code ${code})`;
    lines.push(`    ${check.name.padEnd(18)} ${verdict} (${formatSeconds(performance.now() - startedAt)})`);
  }
  console.log(`\n${lines.join('\n')}`);
  return { passed, failed, lines };
}
