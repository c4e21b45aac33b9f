// The built `gatehouse` CLI (dist/cli.js), run as a child process the way an operator runs it,
// against embedded databases in temporary directories, a real SMTP server and a real OpenID
// Provider on 127.0.0.1. Needs `pnpm build` first (npm test builds before testing).
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openEmbeddedDatabase, type Database } from '../db/database.js';
import { startSmtpTestServer, type SmtpTestServer } from '../test-support/smtp-test-server.js';
import { startTestIdp, type TestIdp } from '../test-support/oidc-test-idp.js';

const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
const SECRET = crypto.randomBytes(32).toString('hex');
const RUN_TIMEOUT_MS = 150_000;
// Each test runs the CLI several times (about 2 s each on an idle 2-core machine).
jest.setTimeout(400_000);

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI without blocking this process (the SMTP server and IdP live here). */
function gatehouse(dir: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', HOME: dir, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function makeDir(config: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-cli-'));
  fs.writeFileSync(path.join(dir, 'config.toml'), `[auth]\ntoken_secret = "${SECRET}"\nadmin_emails = []\n${config}`);
  return dir;
}

/** A port on 127.0.0.1 that nothing listens on (connections are refused at once). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Opens the directory's embedded database in this process (the CLI must not be running). */
async function withDatabase<T>(dir: string, fn: (db: Database) => Promise<T>): Promise<T> {
  const db = await openEmbeddedDatabase(path.join(dir, 'data', 'pglite'));
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

const dirs: string[] = [];
function newDir(config = ''): string {
  const dir = makeDir(config);
  dirs.push(dir);
  return dir;
}

beforeAll(() => {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: build the API first (npx -y pnpm@10.34.8 -r build).`);
});
afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

describe('gatehouse migrate, users, sessions', () => {
  let dir: string;
  beforeAll(() => {
    dir = newDir();
  });

  it('users commands refuse an unmigrated database and name the fix', async () => {
    const run = await gatehouse(dir, ['users', 'list']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('gatehouse migrate');
  });

  it('migrate applies every migration and migrate status shows them', async () => {
    const run = await gatehouse(dir, ['migrate']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Applied \d+ migration\(s\)/);
    const status = await gatehouse(dir, ['migrate', 'status']);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain('20261130000000_audit_events');
    expect(status.stdout).toMatch(/\d+ applied, 0 pending/);
    expect((await gatehouse(dir, ['migrate'])).stdout).toContain('Nothing to apply');
  });

  it('users create, list, promote, demote (never the last admin), deactivate, activate', async () => {
    const created = await gatehouse(dir, ['users', 'create', 'Root@Example.com', '--admin']);
    expect(created.code).toBe(0);
    expect(created.stdout).toContain('Created root@example.com (administrator)');
    expect(created.stdout).toMatch(/http:\/\/localhost:8000\/reset-password\?token=[\w-]{43}/);
    expect((await gatehouse(dir, ['users', 'create', 'sam@example.com'])).code).toBe(0);
    const duplicate = await gatehouse(dir, ['users', 'create', 'sam@example.com']);
    expect(duplicate.code).toBe(1);
    expect(duplicate.stderr).toContain('REGISTER_USER_ALREADY_EXISTS');

    const list = await gatehouse(dir, ['users', 'list']);
    expect(list.stdout).toMatch(/root@example\.com\s+admin, active/);
    expect(list.stdout).toMatch(/sam@example\.com\s+user, active/);
    expect(list.stdout).toContain('2 user(s)');

    const lastAdmin = await gatehouse(dir, ['users', 'demote', 'root@example.com']);
    expect(lastAdmin.code).toBe(1);
    expect(lastAdmin.stderr).toContain('LAST_ADMIN');
    expect((await gatehouse(dir, ['users', 'promote', 'sam@example.com'])).stdout).toContain('sam@example.com is now an administrator');
    expect((await gatehouse(dir, ['users', 'demote', 'sam@example.com'])).code).toBe(0);
    expect((await gatehouse(dir, ['users', 'deactivate', 'sam@example.com'])).stdout).toContain('deactivated');
    expect((await gatehouse(dir, ['users', 'activate', 'sam@example.com'])).stdout).toContain('is active');
    const missing = await gatehouse(dir, ['users', 'promote', 'nobody@example.com']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('USER_NOT_FOUND');
    expect((await gatehouse(dir, ['users', 'promote'])).code).toBe(2);
  });

  it('users unlock clears the sign-in throttling; reset-link prints a link; sessions revoke ends sessions', async () => {
    const samId = await withDatabase(dir, async (db) => {
      const sam = await db.prisma.user.findUniqueOrThrow({ where: { email: 'sam@example.com' } });
      const now = new Date();
      const later = new Date(now.getTime() + 3600_000);
      await db.prisma.rateLimit.create({ data: { key: 'login-account:sam@example.com', count: 10, windowStart: now, expiresAt: later } });
      await db.prisma.session.createMany({
        data: [1, 2].map(() => ({ userId: sam.id, transport: 'bearer', authMethod: 'password', expiresAt: later })),
      });
      return sam.id;
    });
    expect((await gatehouse(dir, ['users', 'unlock', 'sam@example.com'])).code).toBe(0);
    const link = await gatehouse(dir, ['users', 'reset-link', 'sam@example.com']);
    expect(link.code).toBe(0);
    expect(link.stdout).toMatch(/One-time link for sam@example\.com .*reset-password\?token=[\w-]{43}/);
    const revoke = await gatehouse(dir, ['sessions', 'revoke', 'sam@example.com']);
    expect(revoke.stdout).toContain('Ended 2 session(s) of sam@example.com');

    await withDatabase(dir, async (db) => {
      expect(await db.prisma.rateLimit.count({ where: { key: 'login-account:sam@example.com' } })).toBe(0);
      expect(await db.prisma.session.count({ where: { userId: samId, revokedAt: null } })).toBe(0);
      // Every CLI action on a user is in the audit trail, with actor "cli".
      const events = await db.prisma.auditEvent.findMany({ where: { actorType: 'cli' }, orderBy: { id: 'asc' } });
      expect(events.map((e) => `${e.type} ${e.userEmail}`)).toEqual([
        'admin.user_created root@example.com',
        'admin.user_created sam@example.com',
        'admin.user_updated sam@example.com',
        'admin.user_updated sam@example.com',
        'admin.user_updated sam@example.com',
        'admin.user_updated sam@example.com',
        'admin.user_unlocked sam@example.com',
        'admin.reset_link_issued sam@example.com',
        'admin.sessions_revoked sam@example.com',
      ]);
      expect(events.every((e) => e.actorId === null)).toBe(true);
      expect(events[2]!.details).toEqual({ is_superuser: true, fields: ['is_superuser'] });
      // The refused demotion of the last admin left no trace of a change.
      expect(events.some((e) => e.userEmail === 'root@example.com' && e.type === 'admin.user_updated')).toBe(false);
    });
  });

  it('users reset-2fa removes the authenticator app, the recovery codes and the passkeys', async () => {
    await withDatabase(dir, async (db) => {
      const sam = await db.prisma.user.update({ where: { email: 'sam@example.com' }, data: { secondFactorEnrolled: true } });
      await db.prisma.totpFactor.create({ data: { userId: sam.id, secretEncrypted: 'v1.a.b.c', confirmedAt: new Date() } });
      await db.prisma.recoveryCode.create({ data: { userId: sam.id, codeHash: 'h' } });
      await db.prisma.passkey.create({ data: { userId: sam.id, credentialId: 'sam-key', publicKey: new Uint8Array([1]), name: 'Phone' } });
    });
    expect((await gatehouse(dir, ['users', 'list'])).stdout).toMatch(/sam@example\.com\s+user, active, verified, no password, 2FA/);
    const reset = await gatehouse(dir, ['users', 'reset-2fa', 'sam@example.com']);
    expect(reset.code).toBe(0);
    expect(reset.stdout).toContain('authenticator app, recovery codes and passkeys were removed');
    await withDatabase(dir, async (db) => {
      const sam = await db.prisma.user.findUniqueOrThrow({ where: { email: 'sam@example.com' } });
      expect(sam.secondFactorEnrolled).toBe(false);
      expect(await db.prisma.totpFactor.count({ where: { userId: sam.id } })).toBe(0);
      expect(await db.prisma.recoveryCode.count({ where: { userId: sam.id } })).toBe(0);
      expect(await db.prisma.passkey.count({ where: { userId: sam.id } })).toBe(0);
      expect(await db.prisma.auditEvent.count({ where: { type: 'admin.second_factor_reset', userEmail: 'sam@example.com', actorType: 'cli' } })).toBe(
        1,
      );
    });
    expect((await gatehouse(dir, ['users', 'reset-2fa', 'nobody@example.com'])).code).toBe(1);
  });

  it('keys create prints the key once on stdout; keys list shows its prefix, never the key; keys revoke ends it', async () => {
    const created = await gatehouse(dir, ['keys', 'create', '--user', 'root@example.com', '--name', 'backup', '--scope', 'admin', '--expires', '30']);
    expect(created.code).toBe(0);
    const key = created.stdout.trim();
    expect(key).toMatch(/^gh_[a-z2-7]{16}_[A-Za-z0-9_-]{43}$/);
    expect(created.stderr).toContain('Created admin key "backup" for root@example.com');
    const list = await gatehouse(dir, ['keys', 'list', '--user', 'root@example.com']);
    expect(list.stdout).toContain(key.slice(0, 19));
    expect(list.stdout).not.toContain(key);
    expect(list.stdout).toContain('1 key(s) of root@example.com');
    expect((await gatehouse(dir, ['keys', 'create', '--user', 'sam@example.com', '--name', 'x', '--scope', 'admin'])).stderr).toContain('FORBIDDEN');
    expect((await gatehouse(dir, ['keys', 'create', '--user', 'sam@example.com', '--name', 'x', '--scope', 'root'])).code).toBe(2);
    const revoked = await gatehouse(dir, ['keys', 'revoke', key.slice(0, 19)]);
    expect(revoked.stdout).toContain(`Revoked ${key.slice(0, 19)} ("backup")`);
    expect((await gatehouse(dir, ['keys', 'list', '--user', 'root@example.com'])).stdout).toContain('0 key(s)');
    await withDatabase(dir, async (db) => {
      const events = await db.prisma.auditEvent.findMany({ where: { type: { in: ['api_key.created', 'api_key.revoked'] } }, orderBy: { id: 'asc' } });
      expect(events.map((e) => [e.type, e.actorType])).toEqual([
        ['api_key.created', 'cli'],
        ['api_key.revoked', 'cli'],
      ]);
      expect(JSON.stringify(events.map((e) => e.details))).not.toContain(key);
    });
  });
});

describe('gatehouse serve, config check, mail test', () => {
  it('serve runs the server until SIGTERM', async () => {
    const port = await closedPort();
    const dir = newDir(`[server]\nhost = "127.0.0.1"\nport = ${port}\n`);
    const child = spawn(process.execPath, [CLI, 'serve', '--config', 'config.toml'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let status = 0;
      // A fresh embedded database is created and migrated first: allow a slow, busy machine 3 minutes.
      for (let attempt = 0; attempt < 360 && status !== 200; attempt += 1) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        status = await fetch(`http://127.0.0.1:${port}/api/v1/health`).then(
          (res) => res.status,
          () => 0,
        );
      }
      expect(status).toBe(200);
    } finally {
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  });

  it('config check accepts a good file and names each problem of a bad one (exit 2)', async () => {
    const dir = newDir();
    const good = await gatehouse(dir, ['config', 'check', 'config.toml']);
    expect(good.code).toBe(0);
    expect(good.stdout).toContain('config.toml is valid');
    fs.writeFileSync(path.join(dir, 'bad.toml'), '[auth]\ntoken_secert = "x"\nadmin_emails = []\n');
    const bad = await gatehouse(dir, ['config', 'check', 'bad.toml']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('auth.token_secret');
    expect(bad.stderr).toContain('openssl rand -hex 32');
    expect((await gatehouse(dir, ['config', 'check'])).code).toBe(2);
  });

  it('mail test (and its alias send-test-email) sends through the configured server; a refused send exits 1', async () => {
    const smtp = await startSmtpTestServer({ tls: 'none' });
    try {
      const dir = newDir(
        `[notifications.smtp_config]\nsmtp_host = "127.0.0.1"\nsmtp_port = ${smtp.port}\nfrom_email = "gatehouse@example.com"\nuse_tls = false\n`,
      );
      const sent = await gatehouse(dir, ['mail', 'test', 'me@example.com']);
      expect(sent.code).toBe(0);
      expect((await gatehouse(dir, ['send-test-email', '--to', 'me2@example.com'])).code).toBe(0);
      expect(smtp.received.map((m) => m.envelopeTo)).toEqual([['me@example.com'], ['me2@example.com']]);
      smtp.failNext(1);
      const refused = await gatehouse(dir, ['mail', 'test', 'me@example.com']);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('451');
    } finally {
      await smtp.close();
    }
  });
});

describe('gatehouse doctor', () => {
  let smtp: SmtpTestServer;
  let idp: TestIdp;
  let impostor: http.Server;
  let impostorUrl: string;
  let goodDir: string;

  const providerToml = (name: string, endpoint: string) =>
    `[[auth.openid_connect]]\nenabled = true\nname = "${name}"\nclient_id = "doctor"\nclient_secret = "doctor-secret"\nconfiguration_endpoint = "${endpoint}"\ntimeout = 5\n`;
  const smtpToml = (port: number) =>
    `[notifications.smtp_config]\nsmtp_host = "127.0.0.1"\nsmtp_port = ${port}\nfrom_email = "gatehouse@example.com"\nuse_tls = false\nconnection_timeout = 5\n`;

  beforeAll(async () => {
    smtp = await startSmtpTestServer({ tls: 'none' });
    idp = await startTestIdp([
      { client_id: 'doctor', client_secret: 'doctor-secret', redirect_uris: ['https://media.example.com/api/v1/auth/cookie/Home/callback'] },
    ]);
    // A discovery document that names another issuer than the address it is served from.
    impostor = http.createServer((_req, res) => {
      res.setHeader('Content-Type', 'application/json');
      res.end(
        JSON.stringify({ issuer: 'https://auth.example.com/application/o/other/', authorization_endpoint: 'x', token_endpoint: 'x', jwks_uri: 'x' }),
      );
    });
    await new Promise<void>((resolve) => impostor.listen(0, '127.0.0.1', resolve));
    impostorUrl = `http://127.0.0.1:${(impostor.address() as AddressInfo).port}/application/o/gatehouse/`;
    goodDir = newDir(`[misc]\nfrontend_url = "https://media.example.com"\n${smtpToml(smtp.port)}${providerToml('Home', idp.issuer)}`);
    expect((await gatehouse(goodDir, ['migrate'])).code).toBe(0);
  });
  afterAll(async () => {
    await smtp.close();
    await idp.close();
    await new Promise((resolve) => impostor.close(resolve));
  });

  it('passes a good setup and prints the redirect URIs to register', async () => {
    const run = await gatehouse(goodDir, ['doctor']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('ok    Database');
    expect(run.stdout).toContain(`ok    SMTP: 127.0.0.1:${smtp.port}`);
    expect(run.stdout).toContain(`ok    OpenID Connect "Home": discovered issuer ${idp.issuer}`);
    expect(run.stdout).toContain('Home: https://media.example.com/api/v1/auth/cookie/Home/callback');
    expect(run.stdout).toContain('post-logout redirect URI: https://media.example.com/login');
    expect(run.stdout).toContain('No problems found.');
    expect(run.stdout).toContain('ok    Passkeys: relying party media.example.com, origin https://media.example.com');
    // Listening on every interface (the default host) with the default trusted_proxies: a warning,
    // not a problem.
    expect(run.stdout).toContain('WARN  Trusted proxies: server.trusted_proxies is the default');
    expect(run.stdout).toContain('listens on 0.0.0.0');
    expect(run.stdout).toContain('Fix: set [server] trusted_proxies to your reverse proxy');
  });

  it('warns that passkeys are off while frontend_url is plain http on another host', async () => {
    const run = await gatehouse(newDir('[misc]\nfrontend_url = "http://media.example.com"\n'), ['doctor']);
    expect(run.stdout).toContain('WARN  Passkeys are off: misc.frontend_url (http://media.example.com) is plain http on media.example.com');
  });

  it('no trusted_proxies warning once they are narrowed, or when the server listens on loopback only', async () => {
    const narrowed = await gatehouse(newDir('[server]\nhost = "::"\ntrusted_proxies = ["10.0.0.5"]\n'), ['doctor']);
    expect(narrowed.stdout).toContain('ok    Trusted proxies: 10.0.0.5');
    const loopback = await gatehouse(newDir('[server]\nhost = "127.0.0.1"\n'), ['doctor']);
    expect(loopback.stdout).toContain('ok    Trusted proxies: 127.0.0.0/8');
    // The default host spelled out, and an IPv6 wildcard, both warn.
    const everywhere = await gatehouse(newDir('[server]\nhost = "::"\n'), ['doctor']);
    for (const run of [narrowed, loopback, everywhere]) expect(run.stdout).toContain('Gatehouse doctor');
    expect(narrowed.stdout + loopback.stdout).not.toContain('WARN');
    expect(everywhere.stdout).toContain('WARN  Trusted proxies');
    expect(everywhere.stdout).toContain('listens on ::');
  });

  it('a bad configuration: every problem with its fix, exit 1', async () => {
    const dir = newDir('[server]\nprot = 8000\n[misc]\nfrontend_url = "media.example.com"\n');
    const run = await gatehouse(dir, ['doctor']);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('FAIL  Configuration');
    expect(run.stderr).toContain('server.prot');
    expect(run.stderr).toContain('server.port');
    expect(run.stderr).toContain('misc.frontend_url');
  });

  it('the database unreachable', async () => {
    const dir = newDir(`[database]\nurl = "postgres://gatehouse:hunter2-db-password@127.0.0.1:${await closedPort()}/gatehouse"\n`);
    const run = await gatehouse(dir, ['doctor']);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('FAIL  Database');
    expect(run.stderr).toContain('ECONNREFUSED');
    expect(run.stderr).toContain('Fix: Nothing accepts connections at postgres://gatehouse:***@127.0.0.1');
    expect(run.stdout + run.stderr).not.toContain('hunter2-db-password');
  });

  it('SMTP refusing connections, and several problems reported together', async () => {
    const dir = newDir(`${smtpToml(await closedPort())}${providerToml('Down', `http://127.0.0.1:${await closedPort()}`)}`);
    expect((await gatehouse(dir, ['migrate'])).code).toBe(0);
    const run = await gatehouse(dir, ['doctor']);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('ok    Database');
    expect(run.stdout).toContain('FAIL  SMTP');
    expect(run.stderr).toContain('2 problem(s) found');
    expect(run.stderr).toMatch(/- SMTP: .*ECONNREFUSED/);
    expect(run.stderr).toContain('Fix: Fix smtp_host and smtp_port');
    expect(run.stderr).toContain('- OpenID Connect "Down": OIDC_PROVIDER_UNREACHABLE');
  });

  it('an OpenID Connect issuer mismatch names the issuer to configure', async () => {
    const dir = newDir(providerToml('Authentik', impostorUrl));
    const run = await gatehouse(dir, ['doctor']);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('FAIL  OpenID Connect "Authentik": OIDC_ISSUER_MISMATCH');
    expect(run.stderr).toContain('Set configuration_endpoint to https://auth.example.com/application/o/other/');
    // The redirect URIs are printed even when discovery fails.
    expect(run.stdout).toContain('Authentik: http://localhost:8000/api/v1/auth/cookie/Authentik/callback');
    expect(run.stdout + run.stderr).not.toContain('doctor-secret');
  });
});
