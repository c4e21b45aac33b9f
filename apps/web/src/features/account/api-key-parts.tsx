import type { ApiKeyRead } from '@gatehouse/shared';
import { describeExpiry, describeLastUse, formatKeyDate, SCOPE_LABELS } from './describe-api-key';

/** A key as both lists show it: name and scope, then prefix, creation, expiry and last use. */
export function ApiKeySummary({ apiKey }: { apiKey: ApiKeyRead }) {
  return (
    <>
      <p className="session-name">
        {apiKey.name} <span className="badge">{SCOPE_LABELS[apiKey.scope]}</span>
      </p>
      <p className="session-meta">
        <code>{apiKey.prefix}…</code> · Created <time dateTime={apiKey.created_at}>{formatKeyDate(apiKey.created_at)}</time> ·{' '}
        {describeExpiry(apiKey.expires_at)} · Last used {describeLastUse(apiKey)}
      </p>
    </>
  );
}

/** The "are you sure" of revoking a key, the owner's or an administrator's. */
export function ConfirmRevoke({
  apiKey,
  isBusy,
  onConfirm,
  onCancel,
}: {
  apiKey: ApiKeyRead;
  isBusy: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  return (
    <div className="confirm" role="group" aria-label={`Confirm revoking ${apiKey.name}`}>
      <span>Revoke “{apiKey.name}”? Anything using it stops working at once.</span>
      <button
        type="button"
        className="button button-danger"
        aria-label={`Yes, revoke ${apiKey.name}`}
        disabled={isBusy}
        aria-busy={isBusy}
        onClick={onConfirm}
      >
        Yes, revoke
      </button>
      <button type="button" className="button button-secondary" onClick={onCancel}>
        Cancel
      </button>
    </div>
  );
}
