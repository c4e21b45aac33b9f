// Baseline 1: the least an Express 5 app can do per request. Every Gatehouse figure is divided by
// this one, measured in the same run, so that the drift of a shared machine cancels out.
// With BUILT_LIKE_GATEHOUSE=1 the same app is served by Gatehouse's own createHttpServer, which has
// Node build requests and responses with the app's prototypes (apps/api/src/http/server.ts): the
// bench reports that one beside the plain one, so a reader sees how much of Gatehouse's figures
// that construction alone accounts for.
import http from 'node:http';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import express from 'express';
import { REPO_ROOT } from '../../scripts/lib/workspace.mjs';

const app = express();
app.disable('x-powered-by');
app.get('/ok', (_req, res) => {
  res.json({ ok: true });
});
let server;
if (process.env.BUILT_LIKE_GATEHOUSE === '1') {
  const { createHttpServer } = await import(pathToFileURL(path.join(REPO_ROOT, 'apps/api/dist/http/server.js')).href);
  server = createHttpServer(app, { info() {} });
} else {
  server = http.createServer(app);
}
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ ready: true, port: server.address().port })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
