// Forgotten password, end to end: a person asks for a link on the login page, reads the email
// Gatehouse sent through a real SMTP server, opens the link, chooses a new password and signs in.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { launchChromium, type LaunchedChromium } from '../support/chromium.js';
import { auditPage, signInWithPassword } from '../support/pages.js';
import { startGatehouse, type RunningGatehouse, setPasswordFromSetupLink } from '../support/gatehouse-server.js';
import { startSmtpInbox, type SmtpInbox } from '../support/smtp-inbox.js';

const ADMIN_EMAIL = 'admin@example.com';
const OLD_PASSWORD = 'harbor willow copper 72';
const NEW_PASSWORD = 'maple orbit kettle 53';

let inbox: SmtpInbox | undefined;
let gatehouse: RunningGatehouse | undefined;
let browser: LaunchedChromium | undefined;

beforeAll(async () => {
  inbox = await startSmtpInbox();
  gatehouse = await startGatehouse({
    configToml: [
      '[auth]',
      `token_secret = "${randomBytes(32).toString('hex')}"`,
      `admin_emails = ["${ADMIN_EMAIL}"]`,
      'email_password_resets = true',
      'bcrypt_cost = 10',
      '',
      '[notifications.smtp_config]',
      'smtp_host = "127.0.0.1"',
      `smtp_port = ${inbox.port}`,
      'from_email = "gatehouse@example.com"',
      'use_tls = false',
      '',
    ].join('\n'),
  });
  browser = await launchChromium();
}, 150_000);

afterAll(async () => {
  await browser?.close();
  await gatehouse?.stop().catch(() => undefined);
  await inbox?.close();
});

test('a person resets a forgotten password from the login page, which ends their other sessions', async () => {
  if (!gatehouse || !browser || !inbox) throw new Error('beforeAll did not finish');
  // Set the first password from the logged setup link, and stay signed in on another device.
  await setPasswordFromSetupLink(gatehouse, OLD_PASSWORD);
  const otherDevice = await (await browser.newContext()).newPage();
  await signInWithPassword(otherDevice, gatehouse.baseUrl, ADMIN_EMAIL, OLD_PASSWORD);
  await otherDevice.getByRole('heading', { name: 'Your account' }).waitFor();

  const page = await browser.newPage();
  await page.goto(`${gatehouse.baseUrl}/login`);
  await page.getByRole('link', { name: 'Forgot your password?' }).click();
  await page.getByRole('button', { name: 'Send reset link' }).waitFor();
  await auditPage(page, 'forgot-password');
  await page.getByLabel('Email').fill(ADMIN_EMAIL);
  await page.getByRole('button', { name: 'Send reset link' }).click();
  await page.getByRole('heading', { name: 'Check your email' }).waitFor();

  const email = await inbox.waitForMessageTo(ADMIN_EMAIL);
  expect(email.subject).toBe('Reset your password');
  const link = /(http:\/\/127\.0\.0\.1:\d+\/reset-password\?token=[A-Za-z0-9_-]+)/.exec(email.text ?? '')?.[1];
  expect(link).toBeDefined();
  expect(link!.startsWith(gatehouse.baseUrl)).toBe(true);
  expect(String(email.html)).toContain(link!);

  await page.goto(link!);
  await page.getByLabel('New password', { exact: true }).waitFor();
  await auditPage(page, 'reset-password');
  await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
  await page.getByRole('button', { name: 'Set password' }).click();
  await page.getByText('Password set').waitFor();

  // The other device's session is gone: its next request is refused and the app goes to sign-in.
  expect((await otherDevice.request.get(`${gatehouse.baseUrl}/api/v1/users/me`)).status()).toBe(401);
  await otherDevice.reload();
  await otherDevice.waitForURL(`${gatehouse.baseUrl}/login**`);
  await otherDevice.getByRole('button', { name: 'Sign in' }).waitFor();
  await expect(
    signInWithPassword(otherDevice, gatehouse.baseUrl, ADMIN_EMAIL, OLD_PASSWORD).then(() => otherDevice.getByRole('alert').textContent()),
  ).resolves.toMatch(/\S/);

  await page.goto(`${gatehouse.baseUrl}/login`);
  await page.getByLabel('Email').fill(ADMIN_EMAIL);
  await page.getByLabel('Password').fill(NEW_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText(ADMIN_EMAIL).first().waitFor();

  // The link is single use.
  await page.goto(link!);
  await page.getByLabel('New password', { exact: true }).fill('another passphrase 77');
  await page.getByRole('button', { name: 'Set password' }).click();
  await expect(page.getByRole('alert').first().textContent()).resolves.toMatch(/invalid, expired or already used/);
  expect(gatehouse.logText()).toMatch(/Password reset email sent/);
});
