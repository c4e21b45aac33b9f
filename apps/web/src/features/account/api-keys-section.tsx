import { useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { apiPath, type ApiKeyRead, type ApiKeyScope, type CreatedApiKey, type UserRead } from '@gatehouse/shared';
import { useApi } from '../../api/api-context';
import { useAuthMetadata } from '../../api/hooks';
import { queryKeys } from '../../api/query-keys';
import { readBasePath } from '../../base-path';
import { readField } from '../../ui/form-data';
import { ErrorAlert, Loading, StatusMessage } from '../../ui/messages';
import { TextField } from '../../ui/text-field';
import { ApiKeySummary, ConfirmRevoke } from './api-key-parts';

const EXPIRY_CHOICES = [30, 90, 365] as const;
const DEFAULT_EXPIRY = 90;
/** The select's value for a key that never expires (sent as expires_in_days: null). */
const NEVER = 'never';

const SCOPE_HINTS: Record<ApiKeyScope, string> = {
  read: 'Read: look only (GET requests)',
  write: 'Write: what you can do, but not manage keys, email, password or two-step sign-in',
  admin: 'Admin: that, and the administrators’ routes',
};

/** The address of GET /users/me on this server, for the example command. */
export function meUrl(): string {
  const basePath = readBasePath(document.querySelector('base')?.getAttribute('href') ?? null);
  return window.location.origin + basePath + apiPath('getMe');
}

/**
 * Keys for scripts and apps (`Authorization: Bearer gh_…`): list them, make one (shown once), rename
 * and revoke them. Only administrators may make an admin key; a key that never expires only where
 * the server allows it (the metadata's api_keys_allow_no_expiry).
 */
export function ApiKeysSection({ user }: { user: UserRead }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const metadata = useAuthMetadata();
  const allowsNoExpiry = metadata.data?.api_keys_allow_no_expiry === true;
  const keys = useQuery({
    queryKey: queryKeys.myApiKeys,
    queryFn: ({ signal }) => api.call('listMyApiKeys', { signal }),
  });
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const [renaming, setRenaming] = useState<string | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: queryKeys.myApiKeys });

  const create = useMutation({
    mutationFn: (body: { name: string; scope: ApiKeyScope; expires_in_days: number | null }) => api.call('createMyApiKey', { body }),
    onMutate: () => setNotice(null),
    onSuccess: (answer) => setCreated(answer),
    onSettled: refresh,
  });
  const rename = useMutation({
    mutationFn: ({ id, name }: { id: string; name: string }) => api.call('renameMyApiKey', { params: { id }, body: { name } }),
    onMutate: () => setNotice(null),
    onSuccess: (key) => {
      setRenaming(null);
      setNotice(`Renamed the key to “${key.name}”.`);
    },
    onSettled: refresh,
  });
  const revoke = useMutation({
    mutationFn: (key: ApiKeyRead) => api.call('revokeMyApiKey', { params: { id: key.id } }),
    onMutate: () => setNotice(null),
    onSuccess: (_data, key) => {
      setConfirming(null);
      setNotice(`Revoked “${key.name}”: it no longer works.`);
    },
    onSettled: refresh,
  });

  function handleCreate(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const scope = readField(form, 'scope') as ApiKeyScope;
    const expiry = readField(form, 'expires_in_days');
    create.mutate({ name: readField(form, 'name').trim(), scope, expires_in_days: expiry === NEVER ? null : Number(expiry) });
  }

  function handleRename(event: FormEvent<HTMLFormElement>, id: string) {
    event.preventDefault();
    rename.mutate({ id, name: readField(new FormData(event.currentTarget), 'name').trim() });
  }

  const scopes: ApiKeyScope[] = user.is_superuser ? ['read', 'write', 'admin'] : ['read', 'write'];

  return (
    <section className="card stack" aria-labelledby="api-keys-heading">
      <h2 id="api-keys-heading">API keys</h2>
      <p>Keys let scripts and apps use Gatehouse’s API as you. Revoke any you no longer use.</p>
      {keys.isPending && <Loading />}
      <ErrorAlert error={keys.error ?? rename.error ?? revoke.error} />
      {notice && <StatusMessage>{notice}</StatusMessage>}
      {keys.data && keys.data.length === 0 && <p>You have no API keys.</p>}
      {keys.data && keys.data.length > 0 && (
        <ul className="session-list" aria-label="Your API keys">
          {keys.data.map((key) => {
            const isBusy = (revoke.isPending && revoke.variables.id === key.id) || (rename.isPending && rename.variables.id === key.id);
            return (
              <li key={key.id} className="session">
                <div>
                  <ApiKeySummary apiKey={key} />
                  {renaming === key.id && (
                    <form className="search-row" aria-label={`Rename ${key.name}`} onSubmit={(event) => handleRename(event, key.id)}>
                      <TextField id={`api-key-${key.id}-name`} name="name" label="New name" defaultValue={key.name} required maxLength={100} />
                      <button type="submit" className="button" disabled={isBusy} aria-busy={isBusy}>
                        Save name
                      </button>
                      <button type="button" className="button button-secondary" onClick={() => setRenaming(null)}>
                        Cancel
                      </button>
                    </form>
                  )}
                </div>
                {confirming === key.id ? (
                  <ConfirmRevoke apiKey={key} isBusy={isBusy} onConfirm={() => revoke.mutate(key)} onCancel={() => setConfirming(null)} />
                ) : (
                  <div className="button-row">
                    {renaming !== key.id && (
                      <button
                        type="button"
                        className="button button-secondary"
                        aria-label={`Rename ${key.name}`}
                        disabled={isBusy}
                        onClick={() => {
                          rename.reset();
                          setRenaming(key.id);
                        }}
                      >
                        Rename
                      </button>
                    )}
                    <button
                      type="button"
                      className="button button-secondary"
                      aria-label={`Revoke ${key.name}`}
                      disabled={isBusy}
                      onClick={() => {
                        revoke.reset();
                        setConfirming(key.id);
                      }}
                    >
                      Revoke
                    </button>
                  </div>
                )}
              </li>
            );
          })}
        </ul>
      )}
      {created ? (
        <NewApiKey created={created} onDone={() => setCreated(null)} />
      ) : (
        <form className="stack" aria-labelledby="new-api-key-heading" onSubmit={handleCreate}>
          <h3 id="new-api-key-heading">New API key</h3>
          <ErrorAlert error={create.error} />
          <TextField
            id="api-key-name"
            name="name"
            label="Name"
            hint="What it is for, e.g. “backup script”."
            required
            maxLength={100}
            autoComplete="off"
          />
          <div className="field">
            <label htmlFor="api-key-scope">Access</label>
            <select id="api-key-scope" name="scope" defaultValue="read">
              {scopes.map((scope) => (
                <option key={scope} value={scope}>
                  {SCOPE_HINTS[scope]}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="api-key-expiry">Expires after</label>
            <select id="api-key-expiry" name="expires_in_days" defaultValue={String(DEFAULT_EXPIRY)}>
              {EXPIRY_CHOICES.map((days) => (
                <option key={days} value={days}>
                  {days} days
                </option>
              ))}
              {allowsNoExpiry && <option value={NEVER}>Never</option>}
            </select>
          </div>
          <p>
            <button type="submit" className="button" disabled={create.isPending} aria-busy={create.isPending}>
              Create key
            </button>
          </p>
        </form>
      )}
    </section>
  );
}

/** The new key, shown once: the server keeps only its hash. */
function NewApiKey({ created, onDone }: { created: CreatedApiKey; onDone: () => void }) {
  const [copyState, setCopyState] = useState<'idle' | 'copied' | 'failed'>('idle');

  async function copyKey() {
    try {
      await navigator.clipboard.writeText(created.key);
      setCopyState('copied');
    } catch {
      // Clipboard access needs a secure context and permission; the field can still be selected.
      setCopyState('failed');
    }
  }

  return (
    <div className="recovery-codes stack" role="region" aria-labelledby="new-api-key-result-heading">
      <h3 id="new-api-key-result-heading">Copy your new key “{created.api_key.name}” now</h3>
      <p>
        <strong>You will not see it again:</strong> Gatehouse keeps only a fingerprint of it. Save it where the script or app can read it.
      </p>
      <div className="search-row">
        <div className="field">
          <label htmlFor="new-api-key">Your new API key</label>
          <input id="new-api-key" type="text" readOnly value={created.key} spellCheck={false} onFocus={(event) => event.currentTarget.select()} />
        </div>
        <button type="button" className="button button-secondary" onClick={() => void copyKey()}>
          Copy
        </button>
      </div>
      {copyState === 'copied' && <p role="status">Copied to the clipboard.</p>}
      {copyState === 'failed' && <p role="status">Could not copy automatically; select the key and copy it by hand.</p>}
      <p>Try it:</p>
      <pre className="api-key-example">
        <code>{`curl -H "Authorization: Bearer ${created.key}" ${meUrl()}`}</code>
      </pre>
      <p>
        <button type="button" className="button" onClick={onDone}>
          I have saved it
        </button>
      </p>
    </div>
  );
}
