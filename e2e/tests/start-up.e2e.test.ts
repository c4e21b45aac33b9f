// The built server as an admin meets it at start-up: a config.toml it must refuse with a message
// that says how to fix it (exit code 2, nothing listening, no secret echoed), and a MediaManager
// config.toml it must accept as is, naming the sections it ignores in one log line.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { REPO_ROOT, findFreePort, startGatehouse } from '../support/gatehouse-server.js';

const SERVER_ENTRY = path.join(REPO_ROOT, 'apps/api/dist/main.js');

/** Runs the server on a config that must not start; resolves its exit code and output. */
async function runExpectingFailure(configToml: string): Promise<{ code: number | null; output: string }> {
  const directory = await mkdtemp(path.join(os.tmpdir(), 'gatehouse-e2e-bad-'));
  const configPath = path.join(directory, 'config.toml');
  await writeFile(configPath, configToml);
  try {
    const child = spawn(process.execPath, [SERVER_ENTRY, '--config', configPath], {
      cwd: directory,
      env: { PATH: process.env.PATH ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const code = await new Promise<number | null>((resolve) => child.once('exit', (exitCode) => resolve(exitCode)));
    clearTimeout(killer);
    return { code, output };
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

describe('start-up refuses a broken configuration', () => {
  test('a weak token_secret: exit 2, how to fix it, and the secret not echoed', async () => {
    const weak = 'short-secret-123';
    const { code, output } = await runExpectingFailure(`[auth]\ntoken_secret = "${weak}"\nadmin_emails = []\n`);
    expect(code).toBe(2);
    expect(output).toMatch(/token_secret/);
    expect(output).toMatch(/openssl rand -hex 32/);
    expect(output).not.toContain(weak);
    expect(output).not.toMatch(/\n\s+at .+:\d+:\d+/);
  });

  test('the example placeholder is refused too', async () => {
    const example = await readFile(path.join(REPO_ROOT, 'config.example.toml'), 'utf8');
    const { code, output } = await runExpectingFailure(example);
    expect(code).toBe(2);
    expect(output).toMatch(/token_secret/);
  });

  test('an unknown key: exit 2 with a did-you-mean naming the file', async () => {
    const secret = randomBytes(32).toString('hex');
    const { code, output } = await runExpectingFailure(`[auth]\ntoken_secret = "${secret}"\nadmin_emails = []\nsesion_lifetime = 3600\n`);
    expect(code).toBe(2);
    expect(output).toMatch(/auth\.sesion_lifetime/);
    expect(output).toMatch(/Did you mean "auth\.session_lifetime"/);
    expect(output).toMatch(/config\.toml/);
    expect(output).not.toContain(secret);
  });
});

describe('mail settings at start-up', () => {
  test('email resets on but no SMTP table: exit 2 saying what is missing', async () => {
    const { code, output } = await runExpectingFailure(
      `[auth]\ntoken_secret = "${randomBytes(32).toString('hex')}"\nadmin_emails = []\nemail_password_resets = true\n`,
    );
    expect(code).toBe(2);
    expect(output).toMatch(/smtp_config/);
  });

  test('an SMTP server that cannot be reached: starts, and the log says what to fix', async () => {
    const port = await findFreePort();
    const gatehouse = await startGatehouse({
      configToml: [
        '[auth]',
        `token_secret = "${randomBytes(32).toString('hex')}"`,
        'admin_emails = []',
        'email_password_resets = true',
        '[notifications.smtp_config]',
        'smtp_host = "127.0.0.1"',
        `smtp_port = ${port}`,
        'smtp_user = "mailer"',
        'smtp_password = "do-not-log-this-smtp-password"',
        'from_email = "gatehouse@example.com"',
        'connection_timeout = 2',
        '',
      ].join('\n'),
    });
    try {
      const line = await gatehouse.waitForLog((l) => /SMTP check failed/.test(l.text));
      expect(line.text).toMatch(/ECONNREFUSED|connect/i);
      expect(line.text).toMatch(/will NOT be delivered/);
      expect(line.text).toMatch(/send-test-email/);
      expect(gatehouse.logText()).not.toContain('do-not-log-this-smtp-password');
    } finally {
      await gatehouse.stop();
    }
  });
});

describe('a MediaManager config.toml', () => {
  test('starts unchanged and names the ignored sections in one log line', async () => {
    const fixture = await readFile(path.join(REPO_ROOT, 'apps/api/src/config/fixtures/mediamanager.toml'), 'utf8');
    // Keep MediaManager's layout, but without its [database] (no server here) and [misc]
    // frontend_url (the helper sets its own address).
    const toml = fixture.replace(/\[database\][\s\S]*?(?=\n\[)/, '').replace(/^frontend_url = .*$/m, '');
    const gatehouse = await startGatehouse({ configToml: toml });
    try {
      const ignored = gatehouse.logLines.filter((line) => /Ignoring sections/.test(line.text));
      expect(ignored).toHaveLength(1);
      for (const section of ['torrents', 'indexers', 'metadata']) expect(ignored[0]!.text).toContain(section);
      const metadata = await fetch(`${gatehouse.baseUrl}/api/v1/auth/metadata`);
      expect(metadata.status).toBe(200);
      // Its admin_emails became admin accounts with setup links.
      await gatehouse.waitForLog((line) => typeof line.json?.setup_url === 'string' && line.json.email === 'admin@example.com');
    } finally {
      const exit = await gatehouse.stop();
      expect(exit.code).toBe(0);
    }
  });
});
