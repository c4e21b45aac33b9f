// For developers: runs the API's jest with the given arguments against a throwaway PostgreSQL
// cluster (what `npm test` does for every integration suite), e.g.
//   node scripts/jest-on-postgres.mjs src/auth/auth.int.test.ts
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { findPostgresBinDir, startPostgresCluster } from './lib/postgres-cluster.mjs';
import { REPO_ROOT } from './lib/workspace.mjs';

const binDir = findPostgresBinDir();
if (!binDir) {
  console.error('No PostgreSQL server binaries (initdb, pg_ctl) on PATH or in /usr/lib/postgresql/*/bin.');
  process.exit(1);
}
const cluster = await startPostgresCluster({ binDir });
let status;
try {
  const apiDir = path.join(REPO_ROOT, 'apps/api');
  const result = spawnSync(
    process.execPath,
    ['--experimental-vm-modules', '--no-warnings=ExperimentalWarning', 'node_modules/jest/bin/jest.js', ...process.argv.slice(2)],
    { cwd: apiDir, stdio: 'inherit', env: { ...process.env, GATEHOUSE_TEST_POSTGRES_URL: cluster.url } },
  );
  status = result.status ?? 1;
} finally {
  cluster.stop();
}
process.exit(status);
