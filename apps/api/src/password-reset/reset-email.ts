import type { MailMessage } from '../mail/mailer.js';

const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function describeLifetime(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600} hour${seconds === 3600 ? '' : 's'}`;
  if (seconds % 60 === 0) return `${seconds / 60} minutes`;
  return `${seconds} seconds`;
}

/** The password-reset email, in plain text and HTML. The link is the only variable content. */
export function buildResetEmail(input: {
  to: string;
  subject: string;
  resetUrl: string;
  lifetimeSeconds: number;
  siteUrl: string;
}): MailMessage {
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
