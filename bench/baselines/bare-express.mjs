// Baseline 1: the least an Express 5 app can do per request. Every Gatehouse figure is divided by
// this one, measured in the same run, so that the drift of a shared machine cancels out.
import express from 'express';

const app = express();
app.disable('x-powered-by');
app.get('/ok', (_req, res) => {
  res.json({ ok: true });
});
const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ ready: true, port: server.address().port })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
