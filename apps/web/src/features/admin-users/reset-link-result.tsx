import { useState } from 'react';
import type { AdminPasswordResetResponse } from '@gatehouse/shared';
import { StatusMessage } from '../../ui/messages';

/** What "Send reset link" did: emailed it, or (no SMTP, or sending failed) the link to hand over. */
export function ResetLinkResult({ email, result }: { email: string; result: AdminPasswordResetResponse }) {
  const [isCopied, setIsCopied] = useState(false);
  if (result.sent) return <StatusMessage>Emailed a password reset link to {email}.</StatusMessage>;
  const url = result.reset_url === null ? '' : new URL(result.reset_url, window.location.origin).href;
  return (
    <StatusMessage tone="info">
      <p>
        {result.delivery_error ? `Could not email ${email} (${result.delivery_error}).` : `Email is not configured, so nothing was sent to ${email}.`}{' '}
        Give them this one-time link instead (valid until {new Date(result.expires_at).toLocaleString()}):
      </p>
      <div className="field">
        <label htmlFor="reset-url">Reset link</label>
        <div className="copy-row">
          <input id="reset-url" name="reset_url" readOnly value={url} onFocus={(event) => event.currentTarget.select()} />
          <button
            type="button"
            className="button button-secondary"
            onClick={() => {
              navigator.clipboard.writeText(url).then(
                () => setIsCopied(true),
                () => document.getElementById('reset-url')?.focus(),
              );
            }}
          >
            Copy link
          </button>
        </div>
      </div>
      {isCopied && <p>Copied to the clipboard.</p>}
    </StatusMessage>
  );
}
