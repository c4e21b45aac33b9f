// Baseline 2, the peer: better-auth with email + password on the same PostgreSQL server, mounted
// on Express 5 as its Express integration guide shows (handler before any body parser). Its tables
// are created with its programmatic migration API (no network, no CLI download).
// Equal work factor: passwords are bcrypt at the cost Gatehouse uses (better-auth's documented
// `emailAndPassword.password.{hash,verify}` hook), so a sign-in does the same hashing work.
// Its rate limiter is turned off, as Gatehouse's only counts failures and the bench only succeeds.
import bcrypt from 'bcryptjs';
import { betterAuth } from 'better-auth';
import { getMigrations } from 'better-auth/db/migration';
import { toNodeHandler } from 'better-auth/node';
import express from 'express';
import pg from 'pg';

const port = Number(process.env.PORT);
const cost = Number(process.env.BCRYPT_COST ?? 12);
const baseURL = `http://127.0.0.1:${port}`;
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
const auth = betterAuth({
  database: pool,
  secret: process.env.BETTER_AUTH_SECRET,
  baseURL,
  trustedOrigins: [baseURL],
  emailAndPassword: {
    enabled: true,
    password: {
      hash: (password) => bcrypt.hash(password, cost),
      verify: ({ hash, password }) => bcrypt.compare(password, hash),
    },
  },
  rateLimit: { enabled: false },
  telemetry: { enabled: false },
  logger: { disabled: true },
});
const { runMigrations } = await getMigrations(auth.options);
await runMigrations();

const app = express();
app.all('/api/auth/*splat', toNodeHandler(auth));
const server = app.listen(port, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ ready: true, port })}\n`);
});
process.on('SIGTERM', () => server.close(() => pool.end().finally(() => process.exit(0))));
