// Baseline for the embedded database's memory: PGlite alone, opened on the bench's data directory
// with the V8 settings and Postgres start parameters Gatehouse uses, one query, then idle. What
// Gatehouse on PGlite holds beyond this is Gatehouse's own. Answers 200 on PORT once open.
import http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT } from '../../scripts/lib/workspace.mjs';

await import(pathToFileURL(path.join(REPO_ROOT, 'apps/api/dist/v8-flags.js')).href);
const fromApi = createRequire(path.join(REPO_ROOT, 'apps/api/package.json'));
const { PGlite } = await import(pathToFileURL(fromApi.resolve('@electric-sql/pglite')).href);
const db = await PGlite.create(process.env.DATA_DIR, { startParams: [...PGlite.defaultStartParams, '-c', 'shared_buffers=16MB'] });
await db.query('SELECT count(*) FROM users');
const server = http.createServer((_req, res) => res.end('ok')).listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', async () => {
  server.close();
  await db.close();
  process.exit(0);
});
