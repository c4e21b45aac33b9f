// Runs `prisma generate` without any downloaded engine. Prisma 7's client runs on driver adapters
// (no query engine); the CLI only wants PRISMA_SCHEMA_ENGINE_BINARY to name an existing file,
// which generate never executes. We point it at node itself unless the user set one.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const prismaCli = require.resolve('prisma/build/index.js');
const schema = path.resolve(here, '../../../prisma/schema.prisma');

const env = {
  ...process.env,
  PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY || process.execPath,
  PRISMA_HIDE_UPDATE_MESSAGE: '1',
  CHECKPOINT_DISABLE: '1',
  PRISMA_GENERATE_SKIP_AUTOINSTALL: '1',
};
const result = spawnSync(process.execPath, [prismaCli, 'generate', '--schema', schema], {
  stdio: ['ignore', 'pipe', 'pipe'],
  env,
  cwd: path.resolve(here, '..'),
});
if (result.status !== 0) {
  process.stderr.write(result.stdout);
  process.stderr.write(result.stderr);
  process.exit(result.status ?? 1);
}
