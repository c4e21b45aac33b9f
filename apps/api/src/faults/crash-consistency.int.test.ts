/**
 * Kill -9 in the middle: a real Gatehouse process (dist/main.js, embedded database on disk) runs
 * a mixed load of multi-row changes — accounts created with a setup link, passwords set through
 * the link (password + token + sessions in one transaction), admin deletes (user + sessions +
 * tokens), registrations through a real OpenID Provider (account + link + audit events) and
 * links of an existing account by verified email (link + audit event) — and is SIGKILLed at a
 * random moment, several times. After each kill the database, reopened, must show every change
 * whole or not at all, and the next start must serve again.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { apiPath } from '@gatehouse/shared';
import { openEmbeddedDatabase } from '../db/database.js';
import { TestBrowser } from '../test-support/oidc-browser.js';
import { startTestIdp, type TestIdp } from '../test-support/oidc-test-idp.js';

const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
const ROUNDS = 3;
const PASSWORD = 'correct horse battery staple';
const PROVIDER = 'CrashIdp';

async function findFreePort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Every process started, so none outlives the test whatever fails. */
const children = new Set<ChildProcess>();
const outputOf = new Map<ChildProcess, () => string>();

function startServer(configFile: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [MAIN, '--config', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`server did not start in 90 s:\n${output}`)), 90_000);
    outputOf.set(child, () => output);
    const onData = (chunk: Buffer) => {
      if (output.length < 1_000_000) output += chunk.toString('utf8');
      if (output.includes('Gatehouse listening')) {
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${output}`));
    });
  });
}

describe('SIGKILL in the middle of multi-row changes leaves all or nothing', () => {
  let dir: string;
  let configFile: string;
  let base: string;
  let idp: TestIdp;

  beforeAll(async () => {
    expect(fs.existsSync(MAIN)).toBe(true); // built by `npm test` before the jest run
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-crash-'));
    const port = await findFreePort();
    base = `http://127.0.0.1:${port}`;
    idp = await startTestIdp([
      { client_id: 'gatehouse', client_secret: 'crash-test-client-secret', redirect_uris: [`${base}${apiPath('oidcCallback', { name: PROVIDER })}`] },
    ]);
    configFile = path.join(dir, 'config.toml');
    fs.writeFileSync(
      configFile,
      `[server]\nhost = "127.0.0.1"\nport = ${port}\nlog_level = "info"\n[misc]\nfrontend_url = "${base}"\n` +
        `[database]\ndata_dir = "${path.join(dir, 'data')}"\n` +
        `[auth]\ntoken_secret = "${crypto.randomBytes(32).toString('hex')}"\nadmin_emails = ["admin@example.com"]\nbcrypt_cost = 10\n` +
        '[auth.rate_limits]\nregister_per_client = 100000\n' +
        `[auth.openid_connect]\nenabled = true\nname = "${PROVIDER}"\nclient_id = "gatehouse"\n` +
        `client_secret = "crash-test-client-secret"\nconfiguration_endpoint = "${idp.issuer}/.well-known/openid-configuration"\n`,
    );
    // The first start creates the admin and logs its setup link; the admin sets a password with it.
    const child = await startServer(configFile);
    try {
      const setupUrl = outputOf.get(child)!().match(/"setup_url":"([^"]+)"/)?.[1];
      expect(setupUrl).toBeDefined();
      const setup = await request(base)
        .post(apiPath('resetPassword'))
        .send({ token: new URL(setupUrl!).searchParams.get('token'), password: PASSWORD });
      expect(setup.status).toBe(204);
    } finally {
      child.kill('SIGKILL');
      await new Promise((resolve) => (child.exitCode === null && child.signalCode === null ? child.on('exit', resolve) : resolve(null)));
    }
  }, 300_000);
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await idp?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** One worker: create an account, set its password through the setup link, sometimes delete it. */
  async function runWorker(token: string, worker: number, stop: { isStopped: boolean; done: number }): Promise<number> {
    let done = 0;
    for (let i = 0; !stop.isStopped; i += 1) {
      try {
        const auth = { Authorization: `Bearer ${token}` };
        const created = await request(base)
          .post(apiPath('createUser'))
          .set(auth)
          .send({ email: `w${worker}-${i}-${crypto.randomUUID()}@example.com` });
        const { user, setup_url: setupUrl } = created.body as { user: { id: string }; setup_url: string };
        const setupToken = new URL(setupUrl).searchParams.get('token')!;
        await request(base).post(apiPath('resetPassword')).send({ token: setupToken, password: PASSWORD });
        if (i % 3 === 0)
          await request(base)
            .delete(apiPath('deleteUser', { id: user.id }))
            .set(auth);
        done += 1;
        stop.done += 1;
      } catch {
        return done; // the server is gone
      }
    }
    return done;
  }

  /**
   * One worker signing in through the provider, one flow at a time (the test provider answers its
   * login prompt for whoever loginAs named last): even rounds register a new person (account +
   * link in one transaction), odd rounds first create a password account and then sign in with the
   * same verified email, which links the identity to it.
   */
  async function runOidcWorker(token: string, stop: { isStopped: boolean; done: number }): Promise<number> {
    let done = 0;
    for (let i = 0; !stop.isStopped; i += 1) {
      try {
        const subject = `crash-${crypto.randomUUID()}`;
        const email = `${i % 2 === 1 ? 'oidc-link' : 'oidc-reg'}-${i}-${subject}@example.com`;
        if (i % 2 === 1) {
          const created = await request(base)
            .post(apiPath('createUser'))
            .set({ Authorization: `Bearer ${token}` })
            .send({ email });
          if (created.status !== 201) return done;
        }
        idp.setAccount(subject, { email, email_verified: true, preferred_username: subject.slice(0, 20) });
        idp.loginAs(subject);
        const browser = new TestBrowser(base, base);
        const flow = await browser.follow(`${base}${apiPath('oidcAuthorize', { name: PROVIDER })}?redirect=true`);
        if (flow.final.status !== 302 || !browser.sessionCookie()) return done;
        done += 1;
        stop.done += 1;
      } catch {
        return done; // the server is gone
      }
    }
    return done;
  }

  it(`survives ${ROUNDS} kills at random moments with consistent data`, async () => {
    const killedAfterMs: number[] = [];
    let linkedSoFar = 0;
    for (let round = 0; round < ROUNDS; round += 1) {
      const child = await startServer(configFile);
      const login = await request(base).post(apiPath('jwtLogin')).type('form').send({ username: 'admin@example.com', password: PASSWORD });
      expect(login.status).toBe(200);
      const token = (login.body as { access_token: string }).access_token;
      const stop = { isStopped: false, done: 0 };
      const workers = [...[0, 1, 2, 3].map((worker) => runWorker(token, worker, stop)), runOidcWorker(token, stop)];
      // Once the load is flowing (however slow the machine), kill at a random moment within it.
      for (let waited = 0; stop.done === 0 && waited < 120_000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
      const delay = crypto.randomInt(1500);
      killedAfterMs.push(delay);
      await new Promise((resolve) => setTimeout(resolve, delay));
      const exited = new Promise((resolve) => child.on('exit', resolve));
      child.kill('SIGKILL');
      await exited;
      stop.isStopped = true;
      const completed = (await Promise.all(workers)).reduce((sum, n) => sum + n, 0);
      expect(completed).toBeGreaterThan(0); // the kill did land in the middle of real work

      // Where the server keeps it: data_dir/pglite (resolveDatabaseTarget).
      const db = await openEmbeddedDatabase(path.join(dir, 'data', 'pglite'));
      try {
        // A used setup link and a set password go together, whatever moment the kill came.
        const halfDone = await db.prisma.$queryRaw<Array<{ id: string }>>`
          SELECT u.id FROM users u JOIN password_tokens t ON t.user_id = u.id
          WHERE (t.used_at IS NOT NULL) <> (u.hashed_password IS NOT NULL)`;
        expect(halfDone).toEqual([]);
        const usedWithoutPasswordChange = await db.prisma.$queryRaw<Array<{ id: string }>>`
          SELECT t.id FROM password_tokens t JOIN users u ON u.id = t.user_id
          WHERE t.used_at IS NOT NULL AND (u.password_changed_at IS NULL OR u.password_changed_at <> t.used_at)`;
        expect(usedWithoutPasswordChange).toEqual([]);
        // Deleted users left nothing behind.
        const orphans = await db.prisma.$queryRaw<Array<{ n: number }>>`
          SELECT (SELECT count(*) FROM sessions s WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = s.user_id))::int
               + (SELECT count(*) FROM password_tokens t WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = t.user_id))::int AS n`;
        expect(orphans[0]!.n).toBe(0);
        // Every account created by the admin has its setup token (created together).
        const withoutToken = await db.prisma.$queryRaw<Array<{ id: string }>>`
          SELECT u.id FROM users u WHERE u.email <> 'admin@example.com' AND u.email NOT LIKE 'oidc-reg-%'
          AND NOT EXISTS (SELECT 1 FROM password_tokens t WHERE t.user_id = u.id)`;
        expect(withoutToken).toEqual([]);
        // Registration through the provider: account, link and both audit events, or none of them.
        const registeredHalfway = await db.prisma.$queryRaw<Array<{ id: string }>>`
          SELECT u.id FROM users u WHERE u.email LIKE 'oidc-reg-%'
          AND (u.hashed_password IS NOT NULL OR NOT EXISTS (SELECT 1 FROM linked_accounts l WHERE l.user_id = u.id)
            OR NOT EXISTS (SELECT 1 FROM audit_events a WHERE a.user_id = u.id AND a.type = 'account.registered' AND a.method = 'oidc')
            OR NOT EXISTS (SELECT 1 FROM audit_events a WHERE a.user_id = u.id AND a.type = 'account.linked'))`;
        expect(registeredHalfway).toEqual([]);
        const auditedButAbsent = await db.prisma.$queryRaw<Array<{ id: bigint }>>`
          SELECT a.id FROM audit_events a WHERE a.type IN ('account.registered', 'account.linked') AND a.provider = ${PROVIDER}
          AND NOT EXISTS (SELECT 1 FROM linked_accounts l WHERE l.user_id = a.user_id AND l.provider = a.provider)`;
        expect(auditedButAbsent).toEqual([]);
        // Every link (new account or existing one) has its audit event.
        const linkedUnaudited = await db.prisma.$queryRaw<Array<{ id: string }>>`
          SELECT l.id FROM linked_accounts l WHERE NOT EXISTS (
            SELECT 1 FROM audit_events a WHERE a.type = 'account.linked' AND a.user_id = l.user_id AND a.provider = l.provider)`;
        expect(linkedUnaudited).toEqual([]);
        linkedSoFar = (await db.prisma.$queryRaw<Array<{ n: number }>>`SELECT count(*)::int AS n FROM linked_accounts`)[0]!.n;
      } finally {
        await db.close();
      }
    }
    // And the last restart serves again after recovery.
    const child = await startServer(configFile);
    try {
      expect((await request(base).get(apiPath('health'))).status).toBe(200);
    } finally {
      child.kill('SIGKILL');
    }
    expect(killedAfterMs).toHaveLength(ROUNDS);
    expect(linkedSoFar).toBeGreaterThan(0); // the provider flows did run between the kills
  }, 600_000);
});
