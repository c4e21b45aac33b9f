// Email proof, end to end through a real SMTP server: a person who registered (address unproven)
// sees the "confirm your email" banner, sends themselves the link, opens it from the received
// mail and is proven (banner gone); then changes their email, which waits until the link sent to
// the new inbox is opened.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import type { ParsedMail } from 'mailparser';
import { launchChromium, type LaunchedChromium } from '../support/chromium.js';
import { signInWithPassword } from '../support/pages.js';
import { startGatehouse, type RunningGatehouse, setPasswordFromSetupLink } from '../support/gatehouse-server.js';
import { startSmtpInbox, type SmtpInbox } from '../support/smtp-inbox.js';

const ADMIN_EMAIL = 'admin@example.com';
const ADMIN_PASSWORD = 'harbor willow copper 72';
const PERSON_EMAIL = 'person@example.com';
const NEW_EMAIL = 'person@new.example.com';
const PASSWORD = 'maple orbit kettle 53';

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
      'registration_enabled = true',
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

const isTo = (message: ParsedMail, address: string) =>
  (Array.isArray(message.to) ? message.to : [message.to]).some((to) => to?.value.some((v) => v.address === address));

/** Waits for the next mail to `address` after the `seen` ones it already had. */
async function nextMailTo(address: string, seen: number): Promise<ParsedMail> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const mails = inbox!.messages.filter((message) => isTo(message, address));
    if (mails.length > seen) return mails[seen]!;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no mail #${seen + 1} to ${address}`);
}

const mailCount = (address: string) => inbox!.messages.filter((message) => isTo(message, address)).length;

function verifyLink(mail: ParsedMail): string {
  const link = /(http:\/\/127\.0\.0\.1:\d+\/verify-email\?token=[A-Za-z0-9_-]+)/.exec(mail.text ?? '')?.[1];
  if (!link) throw new Error(`no confirmation link in:\n${mail.text}`);
  return link;
}

async function api(path: string, init: RequestInit & { token?: string } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (init.token) headers.set('Authorization', `Bearer ${init.token}`);
  return fetch(`${gatehouse!.baseUrl}/api/v1${path}`, { ...init, headers });
}

test('a registered person proves their address from the emailed link, and a change waits for the new inbox', async () => {
  if (!gatehouse || !browser || !inbox) throw new Error('beforeAll did not finish');
  await setPasswordFromSetupLink(gatehouse, ADMIN_PASSWORD);

  // Register on the sign-in page's "create account" form: the account starts unproven.
  const page = await browser.newPage();
  await page.goto(`${gatehouse.baseUrl}/register`);
  await page.getByLabel('Email').fill(PERSON_EMAIL);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('heading', { name: 'Account created' }).waitFor();
  // Registration mailed a first link already.
  await nextMailTo(PERSON_EMAIL, 0);

  // An administrator approves the account (approval and email proof are separate facts).
  const adminLogin = await api('/auth/jwt/login', {
    method: 'POST',
    body: new URLSearchParams({ username: ADMIN_EMAIL, password: ADMIN_PASSWORD }),
  });
  const adminToken = ((await adminLogin.json()) as { access_token: string }).access_token;
  const all = (await (await api('/users/all', { token: adminToken })).json()) as Array<{
    id: string;
    email: string;
    email_verified_at: string | null;
  }>;
  const person = all.find((user) => user.email === PERSON_EMAIL)!;
  expect(person.email_verified_at).toBeNull();
  // The admin's own account (bootstrap) is proven.
  expect(all.find((user) => user.email === ADMIN_EMAIL)!.email_verified_at).not.toBeNull();
  const approved = await api(`/users/${person.id}`, {
    method: 'PATCH',
    token: adminToken,
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ is_verified: true }),
  });
  expect(approved.status).toBe(200);

  // Signed in, the person sees the banner and sends themselves a fresh link.
  await signInWithPassword(page, gatehouse.baseUrl, PERSON_EMAIL, PASSWORD);
  await page.getByRole('heading', { name: 'Your account' }).waitFor();
  const banner = page.getByRole('region', { name: 'Confirm your email' });
  await banner.waitFor();
  const seen = mailCount(PERSON_EMAIL);
  await banner.getByRole('button', { name: 'Send confirmation link' }).click();
  await banner.getByText(`We sent a link to ${PERSON_EMAIL}`).waitFor();
  const mail = await nextMailTo(PERSON_EMAIL, seen);
  expect(mail.subject).toBe('Confirm your email address');
  const link = verifyLink(mail);
  expect(link.startsWith(gatehouse.baseUrl)).toBe(true);
  // The registration mail's link died when the newer one was issued.
  const firstLink = verifyLink(await nextMailTo(PERSON_EMAIL, 0));
  expect(firstLink).not.toBe(link);

  await page.goto(link);
  await page.getByRole('button', { name: 'Confirm my email address' }).click();
  await page.getByText(`Your email address ${PERSON_EMAIL} is confirmed`).waitFor();
  await page.getByRole('link', { name: 'Go to your account' }).click();
  await page.getByRole('heading', { name: 'Your account' }).waitFor();
  expect(await page.getByRole('region', { name: 'Confirm your email' }).count()).toBe(0);
  // Single use: the same link again is refused.
  await page.goto(link);
  await page.getByRole('button', { name: 'Confirm my email address' }).click();
  await expect(page.getByRole('alert').first().textContent()).resolves.toMatch(/invalid, expired or already used/);

  // A self-service email change waits for the new address.
  await page.goto(`${gatehouse.baseUrl}/`);
  await page.getByRole('heading', { name: 'Your account' }).waitFor();
  const oldInboxCount = mailCount(PERSON_EMAIL);
  await page.locator('#new-email').fill(NEW_EMAIL);
  await page.locator('#email-current-password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Change email' }).click();
  await page.getByRole('region', { name: 'Pending email change' }).getByText(`Waiting for confirmation at ${NEW_EMAIL}`).waitFor();
  // The old address is told, without a link.
  const notice = await nextMailTo(PERSON_EMAIL, oldInboxCount);
  expect(notice.text).toContain(NEW_EMAIL);
  expect(notice.text).not.toMatch(/token=/);
  const changeLink = verifyLink(await nextMailTo(NEW_EMAIL, 0));

  await page.goto(changeLink);
  await page.getByRole('button', { name: 'Confirm my email address' }).click();
  await page.getByText(`Your email address ${NEW_EMAIL} is confirmed`).waitFor();
  await page.getByRole('link', { name: 'Go to your account' }).click();
  await page.getByRole('heading', { name: 'Your account' }).waitFor();
  await page.getByText(NEW_EMAIL).first().waitFor();
  expect(await page.getByRole('region', { name: 'Pending email change' }).count()).toBe(0);
  expect(await page.getByRole('region', { name: 'Confirm your email' }).count()).toBe(0);
  // The old address no longer signs in; the new one does.
  const oldLogin = await api('/auth/jwt/login', { method: 'POST', body: new URLSearchParams({ username: PERSON_EMAIL, password: PASSWORD }) });
  expect(oldLogin.status).toBe(400);
  const newLogin = await api('/auth/jwt/login', { method: 'POST', body: new URLSearchParams({ username: NEW_EMAIL, password: PASSWORD }) });
  expect(newLogin.status).toBe(200);
});
