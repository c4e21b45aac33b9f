import { useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { PasskeyRead, SecondFactorStatus, UserRead } from '@gatehouse/shared';
import { useApi } from '../../api/api-context';
import { ApiError } from '../../api/api-error';
import { useAuthMetadata, useSecondFactorStatus } from '../../api/hooks';
import { queryKeys } from '../../api/query-keys';
import { formatDateTime } from '../../ui/format-date';
import { readField } from '../../ui/form-data';
import { ErrorAlert, Loading, StatusMessage } from '../../ui/messages';
import { TextField } from '../../ui/text-field';
import { browserHasPasskeys } from '../auth/passkey';
import { AddPasskey } from './add-passkey';
import { needsReauthentication, ReauthenticatePrompt } from './reauthenticate-prompt';

/**
 * The account's passkeys: each with when it was added and last used, renamed in place, removed
 * after a confirmation; and a new one added. Adding and removing need a recent sign-in: when the
 * server asks, the person confirms it is them and the change goes on. Nothing shows where the
 * server has passkeys off (frontend_url is not a secure context); a browser without WebAuthn
 * lists them (to rename or remove) but cannot add one.
 */
export function PasskeysSection({ user }: { user: UserRead }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const metadata = useAuthMetadata();
  const isEnabled = metadata.data?.passkeys_enabled === true;
  const passkeys = useQuery({
    queryKey: queryKeys.passkeys,
    queryFn: ({ signal }) => api.call('listMyPasskeys', { signal }),
    enabled: isEnabled,
  });
  const status = useSecondFactorStatus();
  // For "Confirm it is you" with a provider: the list the linked-accounts section reads too.
  const links = useQuery({
    queryKey: queryKeys.linkedAccounts,
    queryFn: ({ signal }) => api.call('listMyLinkedAccounts', { signal }),
    enabled: isEnabled,
  });
  const [renamingId, setRenamingId] = useState<string | null>(null);
  const [removingId, setRemovingId] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);

  // The second-factor status counts passkeys, and has_second_factor (on /users/me) follows it.
  const refresh = () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: queryKeys.passkeys }),
      queryClient.invalidateQueries({ queryKey: queryKeys.secondFactor }),
      queryClient.invalidateQueries({ queryKey: queryKeys.me }),
    ]);
  const rename = useMutation({
    mutationFn: ({ id, name }: { id: string; name: string }) => api.call('renameMyPasskey', { params: { id }, body: { name } }),
    onSuccess: (passkey) => {
      setRenamingId(null);
      setDone(`Renamed to “${passkey.name}”.`);
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: queryKeys.passkeys }),
  });
  const remove = useMutation({
    mutationFn: (passkey: PasskeyRead) => api.call('removeMyPasskey', { params: { id: passkey.id } }),
    onSuccess: (_result, passkey) => {
      setRemovingId(null);
      setDone(`Removed “${passkey.name}”.`);
    },
    onSettled: refresh,
  });

  function startRenaming(id: string) {
    rename.reset();
    remove.reset();
    setRemovingId(null);
    setDone(null);
    setRenamingId(id);
  }
  function startRemoving(id: string) {
    rename.reset();
    remove.reset();
    setRenamingId(null);
    setDone(null);
    setRemovingId(id);
  }
  function cancel() {
    remove.reset();
    setRemovingId(null);
  }
  function showAdded(passkey: PasskeyRead) {
    setDone(`Added “${passkey.name}”. You can sign in with it now.`);
    void refresh();
  }

  if (!isEnabled) return null;
  // The removal waiting for the person to confirm it is them, repeated once they have.
  const waiting = needsReauthentication(remove.error) ? remove.variables : undefined;
  return (
    <section className="card stack" aria-labelledby="passkeys-heading">
      <h2 id="passkeys-heading">Passkeys</h2>
      <p>
        A passkey signs you in without your email or password: your device, phone or password manager keeps it, and unlocks it with your fingerprint,
        face or PIN. It also serves as the second step after your password.
      </p>
      {passkeys.isPending && <Loading />}
      <ErrorAlert error={passkeys.error ?? (waiting ? null : remove.error)} />
      {done && <StatusMessage>{done}</StatusMessage>}
      {waiting && links.data && <ReauthenticatePrompt user={user} links={links.data} onConfirmed={() => remove.mutate(waiting)} onCancel={cancel} />}
      {passkeys.data &&
        (passkeys.data.length === 0 ? (
          <p>You have no passkeys yet.</p>
        ) : (
          <ul className="passkey-list">
            {passkeys.data.map((passkey) => (
              <li key={passkey.id} className="passkey">
                {renamingId === passkey.id ? (
                  <RenameForm
                    passkey={passkey}
                    error={rename.error}
                    isBusy={rename.isPending}
                    onRename={(name) => rename.mutate({ id: passkey.id, name })}
                    onCancel={() => setRenamingId(null)}
                  />
                ) : (
                  <>
                    <div>
                      <p className="passkey-name">
                        {passkey.name}
                        {passkey.backed_up && <span className="badge">Synced</span>}
                      </p>
                      <p className="passkey-meta">
                        Added <time dateTime={passkey.created_at}>{formatDateTime(passkey.created_at)}</time> ·{' '}
                        {passkey.last_used_at ? (
                          <>
                            Last used <time dateTime={passkey.last_used_at}>{formatDateTime(passkey.last_used_at)}</time>
                          </>
                        ) : (
                          'Not used yet'
                        )}
                      </p>
                    </div>
                    <div className="button-row">
                      {/* The visible text stays short; the name says which passkey (label in name). */}
                      <button
                        type="button"
                        className="button button-secondary button-small"
                        aria-label={`Rename ${passkey.name}`}
                        onClick={() => startRenaming(passkey.id)}
                      >
                        Rename
                      </button>
                      <button
                        type="button"
                        className="button button-secondary button-small"
                        aria-label={`Remove ${passkey.name}`}
                        onClick={() => startRemoving(passkey.id)}
                      >
                        Remove
                      </button>
                    </div>
                  </>
                )}
                {removingId === passkey.id && !waiting && (
                  <RemovalConfirmation
                    passkey={passkey}
                    status={status.data}
                    isBusy={remove.isPending}
                    onRemove={() => remove.mutate(passkey)}
                    onCancel={cancel}
                  />
                )}
              </li>
            ))}
          </ul>
        ))}
      {browserHasPasskeys() ? (
        <AddPasskey user={user} links={links.data ?? []} onAdded={showAdded} />
      ) : (
        <p>This browser cannot create passkeys. Add one from a browser that can; it then works here too if your password manager syncs it.</p>
      )}
    </section>
  );
}

function RenameForm({
  passkey,
  error,
  isBusy,
  onRename,
  onCancel,
}: {
  passkey: PasskeyRead;
  error: Error | null;
  isBusy: boolean;
  onRename: (name: string) => void;
  onCancel: () => void;
}) {
  const [problem, setProblem] = useState<string | null>(null);
  const fieldError = problem ?? (error instanceof ApiError ? error.messageForField('name') : undefined);

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const name = readField(new FormData(event.currentTarget), 'name');
    setProblem(name === '' ? 'Give the passkey a name.' : null);
    if (name !== '') onRename(name);
  }

  return (
    <form className="stack passkey-rename" onSubmit={handleSubmit} noValidate>
      <ErrorAlert error={fieldError ? undefined : error} />
      <TextField
        id={`passkey-name-${passkey.id}`}
        name="name"
        label={`New name for ${passkey.name}`}
        defaultValue={passkey.name}
        maxLength={100}
        autoComplete="off"
        autoFocus
        required
        error={fieldError}
      />
      <div className="button-row">
        <button type="submit" className="button" disabled={isBusy} aria-busy={isBusy}>
          Save
        </button>
        <button type="button" className="button button-secondary" disabled={isBusy} onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function RemovalConfirmation({
  passkey,
  status,
  isBusy,
  onRemove,
  onCancel,
}: {
  passkey: PasskeyRead;
  status: SecondFactorStatus | undefined;
  isBusy: boolean;
  onRemove: () => void;
  onCancel: () => void;
}) {
  const isLastSecondFactor = status !== undefined && status.required && !status.totp && status.passkeys <= 1;
  return (
    <div className="confirm-box stack" role="group" aria-labelledby={`remove-passkey-${passkey.id}`}>
      <p id={`remove-passkey-${passkey.id}`}>Remove the passkey “{passkey.name}”?</p>
      <p>
        {isLastSecondFactor
          ? 'This server requires two-step sign-in for your account: you will have to add a passkey or set up an authenticator app again before you can do anything else.'
          : 'You will no longer be able to sign in with it.'}{' '}
        Your device or password manager keeps it until you delete it there too.
      </p>
      <div className="button-row">
        <button type="button" className="button button-danger" disabled={isBusy} aria-busy={isBusy} onClick={onRemove}>
          Yes, remove it
        </button>
        <button type="button" className="button button-secondary" disabled={isBusy} onClick={onCancel}>
          Cancel
        </button>
      </div>
    </div>
  );
}
