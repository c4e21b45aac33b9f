import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import net from 'node:net';
import request from 'supertest';
import type { SmtpConfig } from '../config/types.js';
import { createMailer } from '../mail/mailer.js';
import { createTestContext, type TestContext, type TestContextOptions } from '../test-support/test-context.js';
import { STRONG_PASSWORD, createUser, loginBearer } from '../test-support/fixtures.js';
import { TEST_CA_FILE, startSmtpTestServer, type SmtpTestServer } from '../test-support/smtp-test-server.js';
import { runCli } from '../cli.js';

const SMTP_PASSWORD = 'smtp-password-that-must-not-leak';
// Behind a TLS-terminating proxy: links must use this, not the Host the request arrived with (the
// sub-path form, https://host/auth, is covered by http/reverse-proxy.int.test.ts).
const PROXIED_URL = 'https://gatehouse.media.example.com';

function smtpConfig(port: number, overrides: Partial<SmtpConfig> = {}): SmtpConfig {
  return {
    smtp_host: '127.0.0.1',
    smtp_port: port,
    smtp_user: '',
    smtp_password: '',
    from_email: 'gatehouse@example.com',
    use_tls: false,
    implicit_tls: false,
    ca_file: '',
    from_name: 'Gatehouse',
    connection_timeout: 2,
    send_timeout: 5,
    ...overrides,
  };
}

async function contextWithSmtp(smtp: SmtpConfig | null, extra: TestContextOptions = {}): Promise<TestContext> {
  return createTestContext({
    ...extra,
    config: {
      ...extra.config,
      auth: { email_password_resets: true, password_reset_subject: 'Reset your Gatehouse password', ...extra.config?.auth },
      misc: { frontend_url: PROXIED_URL },
      notifications: { smtp_config: smtp },
    },
    mailer: (config) => (config.notifications.smtp_config ? createMailer(config.notifications.smtp_config) : null),
  });
}

const forgot = (t: TestContext, email: string, headers: Record<string, string> = {}) =>
  request(t.app).post('/api/v1/auth/forgot-password').set(headers).send({ email });

const tokenFromMail = (text: string) => {
  const match = /https:\/\/gatehouse\.media\.example\.com\/reset-password\?token=([A-Za-z0-9_-]+)/.exec(text);
  if (!match) throw new Error(`no reset link in:\n${text}`);
  return match[1]!;
};

/** A port on 127.0.0.1 with nothing listening: connections are refused at once. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('password reset by email over real SMTP', () => {
  let smtp: SmtpTestServer;
  let t: TestContext;

  beforeAll(async () => {
    smtp = await startSmtpTestServer({ tls: 'starttls', auth: { user: 'mailer', pass: SMTP_PASSWORD } });
    // STARTTLS, verified against a private CA given by ca_file, with SMTP authentication.
    t = await contextWithSmtp(smtpConfig(smtp.port, { use_tls: true, ca_file: TEST_CA_FILE, smtp_user: 'mailer', smtp_password: SMTP_PASSWORD }));
    await createUser(t.ctx, { email: 'reader@example.com' });
    await createUser(t.ctx, { email: 'disabled@example.com', isActive: false });
  });
  afterAll(async () => {
    await t.close();
    await smtp.close();
  });

  it('emails a text + HTML message whose link is built from frontend_url, never from request headers', async () => {
    const res = await forgot(t, ' Reader@Example.com', {
      Host: 'evil.example',
      'X-Forwarded-Host': 'evil.example',
      'X-Forwarded-Proto': 'http',
    });
    expect(res.status).toBe(202);
    await t.ctx.tasks.idle();
    expect(smtp.received).toHaveLength(1);
    const mail = smtp.received[0]!;
    expect(mail.isSecure).toBe(true);
    expect(mail.user).toBe('mailer');
    expect(mail.envelopeTo).toEqual(['reader@example.com']);
    expect(mail.parsed.subject).toBe('Reset your Gatehouse password');
    expect(mail.parsed.from?.value[0]).toEqual({ name: 'Gatehouse', address: 'gatehouse@example.com' });
    const text = mail.parsed.text ?? '';
    const html = String(mail.parsed.html);
    const token = tokenFromMail(text);
    expect(html).toContain(`${PROXIED_URL}/reset-password?token=${token}`);
    expect(text + html).not.toContain('evil.example');
    expect(text).toMatch(/expires in 1 hour/);
  });

  it('the link works once, ends every session and does not sign in; a second use fails', async () => {
    const session = await loginBearer(t.app, 'reader@example.com');
    smtp.received.length = 0;
    await forgot(t, 'reader@example.com');
    await t.ctx.tasks.idle();
    const token = tokenFromMail(smtp.received[0]!.parsed.text ?? '');
    const first = await request(t.app).post('/api/v1/auth/reset-password').send({ token, password: 'new reader passphrase' });
    expect(first.status).toBe(204);
    expect(first.headers['set-cookie']).toBeUndefined();
    expect((await request(t.app).get('/api/v1/users/me').set('Authorization', `Bearer ${session}`)).status).toBe(401);
    const second = await request(t.app).post('/api/v1/auth/reset-password').send({ token, password: 'another reader passphrase' });
    expect(second.status).toBe(400);
    expect(second.body.detail).toBe('RESET_PASSWORD_BAD_TOKEN');
    await expect(loginBearer(t.app, 'reader@example.com', 'new reader passphrase')).resolves.toEqual(expect.any(String));
  });

  it('expires after reset_link_lifetime (clock moved on)', async () => {
    smtp.received.length = 0;
    await forgot(t, 'reader@example.com');
    await t.ctx.tasks.idle();
    const token = tokenFromMail(smtp.received[0]!.parsed.text ?? '');
    t.clock.advance(3600 * 1000 + 1000);
    const res = await request(t.app).post('/api/v1/auth/reset-password').send({ token, password: 'too late passphrase' });
    expect(res.status).toBe(400);
    expect(res.body.detail).toBe('RESET_PASSWORD_BAD_TOKEN');
  });

  it('a newer request kills the older link', async () => {
    smtp.received.length = 0;
    await forgot(t, 'reader@example.com');
    await t.ctx.tasks.idle();
    await forgot(t, 'reader@example.com');
    await t.ctx.tasks.idle();
    const [older, newer] = smtp.received.map((m) => tokenFromMail(m.parsed.text ?? ''));
    expect((await request(t.app).post('/api/v1/auth/reset-password').send({ token: older, password: 'older link passphrase' })).status).toBe(400);
    expect((await request(t.app).post('/api/v1/auth/reset-password').send({ token: newer, password: 'newer link passphrase' })).status).toBe(204);
  });

  it('answers identically for unknown, disabled and existing accounts, and sends only to the existing one', async () => {
    smtp.received.length = 0;
    const answers = [];
    for (const email of ['nobody@example.com', 'disabled@example.com', 'reader@example.com']) {
      const res = await forgot(t, email);
      answers.push({ status: res.status, body: res.body, type: res.headers['content-type'], length: res.headers['content-length'] });
    }
    for (const answer of answers) expect(answer).toEqual(answers[0]);
    expect(answers[0]!.status).toBe(202);
    await t.ctx.tasks.idle();
    expect(smtp.received.map((m) => m.envelopeTo[0])).toEqual(['reader@example.com']);
    expect(t.logText()).not.toContain(SMTP_PASSWORD);
  });

  it('limits requests per email address with 429 and Retry-After', async () => {
    const statuses = [];
    for (let i = 0; i < 6; i += 1) statuses.push((await forgot(t, 'limited@example.com')).status);
    expect(statuses).toEqual([202, 202, 202, 202, 202, 429]);
    const limited = await forgot(t, 'limited@example.com');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.body.detail).toBe('RATE_LIMITED');
    expect(await t.ctx.db.prisma.rateLimit.count({ where: { key: { startsWith: 'forgot-email:' } } })).toBeGreaterThan(0);
  });

  it('limits failed reset attempts per client', async () => {
    // Earlier tests spent some of this client's allowance; start from a clean window.
    await t.ctx.db.prisma.rateLimit.deleteMany({ where: { key: { startsWith: 'reset-client:' } } });
    const attempt = (i: number) =>
      request(t.app)
        .post('/api/v1/auth/reset-password')
        .send({ token: `bogus-${i}`, password: STRONG_PASSWORD });
    const statuses = [];
    for (let i = 0; i < 20; i += 1) {
      let res = await attempt(i);
      // Past half the limit each failure earns a growing delay (429 + Retry-After): wait it out.
      if (res.status === 429) {
        t.clock.advance(Number(res.headers['retry-after']) * 1000);
        res = await attempt(i);
      }
      statuses.push(res.status);
    }
    expect(statuses.every((s) => s === 400)).toBe(true);
    // The 20th failure locked the client for the lockout (15 minutes).
    const locked = await attempt(20);
    expect(locked.status).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBe(900);
  });

  it('lets an admin email a reset link', async () => {
    const admin = await createUser(t.ctx, { email: 'root@example.com', isSuperuser: true });
    const user = await createUser(t.ctx, { email: 'helpme@example.com' });
    const token = await loginBearer(t.app, 'root@example.com');
    smtp.received.length = 0;
    const res = await request(t.app).post(`/api/v1/users/${user.id}/password-reset`).set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ sent: true, reset_url: null, delivery_error: null });
    expect(smtp.received.map((m) => m.envelopeTo[0])).toEqual(['helpme@example.com']);
    expect(admin.isSuperuser).toBe(true);
    const userToken = await loginBearer(t.app, 'helpme@example.com');
    const forbidden = await request(t.app).post(`/api/v1/users/${admin.id}/password-reset`).set('Authorization', `Bearer ${userToken}`);
    expect(forbidden.status).toBe(403);
  });

  it('the CLI sends a test email with the configured settings', async () => {
    smtp.received.length = 0;
    const fs = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-cli-'));
    try {
      fs.writeFileSync(
        path.join(dir, 'config.toml'),
        [
          '[auth]',
          `token_secret = "${'ab'.repeat(32)}"`,
          'admin_emails = []',
          '[notifications.smtp_config]',
          'smtp_host = "127.0.0.1"',
          `smtp_port = ${smtp.port}`,
          'smtp_user = "mailer"',
          'from_email = "gatehouse@example.com"',
          'use_tls = true',
          `ca_file = "${TEST_CA_FILE}"`,
        ].join('\n'),
      );
      const env = { GATEHOUSE_NOTIFICATIONS__SMTP_CONFIG__SMTP_PASSWORD: SMTP_PASSWORD };
      const code = await runCli(['send-test-email', '--to', 'admin@example.com', '--config', path.join(dir, 'config.toml')], env, dir);
      expect(code).toBe(0);
      expect(smtp.received.map((m) => m.parsed.subject)).toEqual(['Gatehouse test email']);
      expect(await runCli(['send-test-email'], env, dir)).toBe(2);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('when mail does not work', () => {
  it('SMTP refusing connections: still 202 at once, the cause logged without the password, the link still valid for a retry', async () => {
    const port = await closedPort();
    const t = await contextWithSmtp(smtpConfig(port, { smtp_user: 'mailer', smtp_password: SMTP_PASSWORD }));
    try {
      await createUser(t.ctx, { email: 'unlucky@example.com' });
      const started = Date.now();
      const res = await forgot(t, 'unlucky@example.com');
      expect(res.status).toBe(202);
      expect(Date.now() - started).toBeLessThan(1500);
      await t.ctx.tasks.idle();
      const failure = t.logLines().find((line) => String(line.msg).startsWith('Could not send a password reset email'));
      expect(failure).toBeDefined();
      expect(String(failure!.cause)).toMatch(/ECONNREFUSED|connect/i);
      expect(String(failure!.msg)).toMatch(/smtp_config/);
      expect(t.logText()).not.toContain(SMTP_PASSWORD);
      // The token was issued and is still usable (nothing lost): one live reset token exists.
      expect(await t.ctx.db.prisma.passwordToken.count({ where: { usedAt: null, purpose: 'reset' } })).toBe(1);
    } finally {
      await t.close();
    }
  });

  it('a temporary SMTP failure is retried and the same link delivered', async () => {
    const smtp = await startSmtpTestServer();
    const t = await contextWithSmtp(smtpConfig(smtp.port), { mailRetryDelaysMs: [20, 20] });
    try {
      await createUser(t.ctx, { email: 'retry@example.com' });
      smtp.failNext(1);
      expect((await forgot(t, 'retry@example.com')).status).toBe(202);
      await t.ctx.tasks.idle();
      expect(smtp.received).toHaveLength(1);
      const token = tokenFromMail(smtp.received[0]!.parsed.text ?? '');
      expect(t.logText()).toMatch(/Retrying in/);
      expect((await request(t.app).post('/api/v1/auth/reset-password').send({ token, password: 'retried passphrase' })).status).toBe(204);
    } finally {
      await t.close();
      await smtp.close();
    }
  });

  it('refuses a server certificate from an untrusted CA (STARTTLS without ca_file)', async () => {
    const smtp = await startSmtpTestServer({ tls: 'starttls' });
    const t = await contextWithSmtp(smtpConfig(smtp.port, { use_tls: true }));
    try {
      await createUser(t.ctx, { email: 'tls@example.com' });
      await forgot(t, 'tls@example.com');
      await t.ctx.tasks.idle();
      expect(smtp.received).toHaveLength(0);
      expect(t.logText()).toMatch(/certificate/i);
    } finally {
      await t.close();
      await smtp.close();
    }
  });

  it('implicit TLS (port 465 style) works with implicit_tls', async () => {
    const smtp = await startSmtpTestServer({ tls: 'implicit' });
    const t = await contextWithSmtp(smtpConfig(smtp.port, { implicit_tls: true, ca_file: TEST_CA_FILE }));
    try {
      await createUser(t.ctx, { email: 'tls465@example.com' });
      await forgot(t, 'tls465@example.com');
      await t.ctx.tasks.idle();
      expect(smtp.received).toHaveLength(1);
      expect(smtp.received[0]!.isSecure).toBe(true);
    } finally {
      await t.close();
      await smtp.close();
    }
  });

  it('without SMTP: forgot-password still 202 and sends nothing; the admin API hands the link over', async () => {
    const t = await contextWithSmtp(null, { config: { auth: { email_password_resets: false } } });
    try {
      await createUser(t.ctx, { email: 'root@example.com', isSuperuser: true });
      const user = await createUser(t.ctx, { email: 'nomail@example.com' });
      const res = await forgot(t, 'nomail@example.com');
      expect(res.status).toBe(202);
      await t.ctx.tasks.idle();
      expect(await t.ctx.db.prisma.passwordToken.count()).toBe(0);
      const token = await loginBearer(t.app, 'root@example.com');
      const admin = await request(t.app).post(`/api/v1/users/${user.id}/password-reset`).set('Authorization', `Bearer ${token}`);
      expect(admin.status).toBe(200);
      expect(admin.body.sent).toBe(false);
      expect(admin.body.delivery_error).toBeNull();
      const url = new URL(admin.body.reset_url);
      expect(`${url.origin}${url.pathname}`).toBe(`${PROXIED_URL}/reset-password`);
      const set = await request(t.app)
        .post('/api/v1/auth/reset-password')
        .send({ token: url.searchParams.get('token'), password: 'handed over passphrase' });
      expect(set.status).toBe(204);
      const missing = await request(t.app)
        .post('/api/v1/users/00000000-0000-4000-8000-000000000000/password-reset')
        .set('Authorization', `Bearer ${token}`);
      expect(missing.status).toBe(404);
    } finally {
      await t.close();
    }
  });

  it('with SMTP failing, the admin API returns the link and the reason', async () => {
    const port = await closedPort();
    const t = await contextWithSmtp(smtpConfig(port));
    try {
      await createUser(t.ctx, { email: 'root@example.com', isSuperuser: true });
      const user = await createUser(t.ctx, { email: 'stuck@example.com' });
      const token = await loginBearer(t.app, 'root@example.com');
      const res = await request(t.app).post(`/api/v1/users/${user.id}/password-reset`).set('Authorization', `Bearer ${token}`);
      expect(res.status).toBe(200);
      expect(res.body.sent).toBe(false);
      expect(res.body.reset_url).toMatch(/reset-password\?token=/);
      expect(res.body.delivery_error).toMatch(/ECONNREFUSED|connect/i);
    } finally {
      await t.close();
    }
  });
});
