import type { MailMessage } from '../mail/mailer.js';

const escapeHtml = (value: string) => value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function describeLifetime(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600} hour${seconds === 3600 ? '' : 's'}`;
  if (seconds % 60 === 0) return `${seconds / 60} minutes`;
  return `${seconds} seconds`;
}

/** The password-reset email, in plain text and HTML. The link is the only variable content. */
export function buildResetEmail(input: { to: string; subject: string; resetUrl: string; lifetimeSeconds: number; siteUrl: string }): MailMessage {
  const lifetime = describeLifetime(input.lifetimeSeconds);
  const text = [
    'Someone asked to reset the password of your account at',
    input.siteUrl,
    '',
    'To choose a new password, open this link:',
    input.resetUrl,
    '',
    `The link works once and expires in ${lifetime}. Setting a new password signs you out everywhere.`,
    '',
    'If you did not ask for this, ignore this email: your password stays as it is.',
  ].join('\n');
  const html = `<!doctype html>
<html><body style="font-family: system-ui, sans-serif; line-height: 1.5; color: #1f2933">
<p>Someone asked to reset the password of your account at ${escapeHtml(input.siteUrl)}.</p>
<p><a href="${escapeHtml(input.resetUrl)}" style="display:inline-block;padding:10px 16px;background:#2563eb;color:#fff;text-decoration:none;border-radius:6px">Choose a new password</a></p>
<p>Or copy this link into your browser:<br><a href="${escapeHtml(input.resetUrl)}">${escapeHtml(input.resetUrl)}</a></p>
<p>The link works once and expires in ${escapeHtml(lifetime)}. Setting a new password signs you out everywhere.</p>
<p>If you did not ask for this, ignore this email: your password stays as it is.</p>
</body></html>`;
  return { to: input.to, subject: input.subject, text, html };
}

/**
 * The email that proves an address: sent to the account's address (after registration, or on
 * request), or to the new address of a self-service change, which applies only once it is opened.
 */
export function buildVerifyEmail(input: {
  to: string;
  subject: string;
  verifyUrl: string;
  lifetimeSeconds: number;
  siteUrl: string;
  isChange: boolean;
}): MailMessage {
  const lifetime = describeLifetime(input.lifetimeSeconds);
  const intro = input.isChange ? 'Someone asked to change the email address of an account at' : 'Please confirm the email address of your account at';
  const action = input.isChange
    ? "To make this address the account's new email, open this link:"
    : 'To confirm that this address is yours, open this link:';
  const ignore = input.isChange
    ? 'If you did not ask for this, ignore this email: the account keeps its current address.'
    : 'If you did not create this account, ignore this email.';
  const text = [intro, input.siteUrl, '', action, input.verifyUrl, '', `The link works once and expires in ${lifetime}.`, '', ignore].join('\n');
  const html = `<!doctype html>
<html><body style="font-family: system-ui, sans-serif; line-height: 1.5; color: #1f2933">
<p>${escapeHtml(intro)} ${escapeHtml(input.siteUrl)}.</p>
<p><a href="${escapeHtml(input.verifyUrl)}" style="display:inline-block;padding:10px 16px;background:#2563eb;color:#fff;text-decoration:none;border-radius:6px">Confirm this email address</a></p>
<p>Or copy this link into your browser:<br><a href="${escapeHtml(input.verifyUrl)}">${escapeHtml(input.verifyUrl)}</a></p>
<p>The link works once and expires in ${escapeHtml(lifetime)}.</p>
<p>${escapeHtml(ignore)}</p>
</body></html>`;
  return { to: input.to, subject: input.subject, text, html };
}

/** Told to the current address when a change to another one is asked for (no link in it). */
export function buildEmailChangeNotice(input: { to: string; newEmail: string; siteUrl: string }): MailMessage {
  const text = [
    `Someone signed in to your account at ${input.siteUrl} asked to change its email address to`,
    input.newEmail,
    '',
    'The change applies only once that address confirms it. Until then your account keeps this address.',
    '',
    'If this was not you, sign in, change your password, and cancel the change from your account page.',
  ].join('\n');
  const html = `<!doctype html>
<html><body style="font-family: system-ui, sans-serif; line-height: 1.5; color: #1f2933">
<p>Someone signed in to your account at ${escapeHtml(input.siteUrl)} asked to change its email address to <strong>${escapeHtml(input.newEmail)}</strong>.</p>
<p>The change applies only once that address confirms it. Until then your account keeps this address.</p>
<p>If this was not you, sign in, change your password, and cancel the change from your account page.</p>
</body></html>`;
  return { to: input.to, subject: 'Your email address is about to change', text, html };
}
