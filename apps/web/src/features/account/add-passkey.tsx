import { useState, type FormEvent } from 'react';
import { useMutation } from '@tanstack/react-query';
import { startRegistration, WebAuthnError, type PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/browser';
import type { AddPasskeyRequest, LinkedAccountRead, PasskeyRead, UserRead, WebauthnOptions } from '@gatehouse/shared';
import { useApi } from '../../api/api-context';
import { ApiError } from '../../api/api-error';
import { readField } from '../../ui/form-data';
import { ErrorAlert } from '../../ui/messages';
import { TextField } from '../../ui/text-field';
import { describePasskeyProblem } from '../auth/passkey';
import { describeUserAgent } from './describe-session';
import { needsReauthentication, ReauthenticatePrompt } from './reauthenticate-prompt';

/** The browser's prompt to create a passkey from the server's creation options; its answer as the API takes it. */
async function createPasskey(options: WebauthnOptions): Promise<AddPasskeyRequest['response']> {
  return { ...(await startRegistration({ optionsJSON: options as unknown as PublicKeyCredentialCreationOptionsJSON })) };
}

/** What to tell the person when creating a passkey failed; the server's answers as they are. */
function describeCreationProblem(error: unknown): unknown {
  const code = error instanceof WebAuthnError ? error.code : null;
  if (code === 'ERROR_AUTHENTICATOR_PREVIOUSLY_REGISTERED') return 'That passkey is already on your account.';
  if (code === 'ERROR_AUTHENTICATOR_MISSING_DISCOVERABLE_CREDENTIAL_SUPPORT' || code === 'ERROR_AUTHENTICATOR_MISSING_USER_VERIFICATION_SUPPORT') {
    return 'That security key cannot keep a passkey that signs you in by itself (it must store it, and check a PIN or fingerprint). Use another one.';
  }
  return describePasskeyProblem(error, 'Your browser could not create a passkey. Try again, or use another device.');
}

/**
 * Adding a passkey: a name to tell it apart, then the browser's prompt, where the person picks
 * where to keep it (this device, a phone, a security key, a password manager) and unlocks it. Two
 * calls may answer REAUTHENTICATION_REQUIRED: the creation options (confirming it is them repeats
 * everything) and saving the new passkey (confirming repeats the saving only: the browser has made
 * the passkey already, and the challenge it signed is still good for a few minutes).
 */
export function AddPasskey({
  user,
  links,
  onAdded,
}: {
  user: UserRead;
  /** Providers the person can confirm it is them with (none where the server will not list them). */
  links: readonly LinkedAccountRead[];
  onAdded: (passkey: PasskeyRead) => void;
}) {
  const api = useApi();
  const [nameProblem, setNameProblem] = useState<string | null>(null);
  // A new name for each passkey added: the browser and system this one is made on, to start with.
  const [formKey, setFormKey] = useState(0);
  const create = useMutation({
    mutationFn: async (name: string) => ({ name, response: await createPasskey(await api.call('passkeyRegistrationOptions')) }),
    onSuccess: (body) => save.mutate(body),
  });
  const save = useMutation({
    mutationFn: (body: AddPasskeyRequest) => api.call('addMyPasskey', { body }),
    onSuccess: (passkey) => {
      setFormKey((key) => key + 1);
      onAdded(passkey);
    },
  });
  const failed = create.error ?? save.error;
  const isBusy = create.isPending || save.isPending;
  const nameError = nameProblem ?? (save.error instanceof ApiError ? save.error.messageForField('name') : undefined);

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const name = readField(new FormData(event.currentTarget), 'name');
    save.reset();
    setNameProblem(name === '' ? 'Give the passkey a name.' : null);
    if (name !== '') create.mutate(name);
  }

  function repeatAfterConfirming(): void {
    if (save.isError && save.variables) save.mutate(save.variables);
    else if (create.isError && create.variables !== undefined) create.mutate(create.variables);
  }

  function cancel(): void {
    create.reset();
    save.reset();
  }

  if (needsReauthentication(failed)) {
    return <ReauthenticatePrompt user={user} links={links} onConfirmed={repeatAfterConfirming} onCancel={cancel} />;
  }
  return (
    <form key={formKey} className="stack" onSubmit={handleSubmit} noValidate>
      <ErrorAlert error={nameError ? undefined : describeCreationProblem(failed)} />
      <TextField
        id="passkey-name"
        name="name"
        label="Name of the new passkey"
        hint="To tell your passkeys apart: where you keep it, say “MacBook”, “Phone” or “YubiKey”."
        defaultValue={describeUserAgent(navigator.userAgent) ?? ''}
        maxLength={100}
        autoComplete="off"
        required
        error={nameError}
      />
      <p>
        <button type="submit" className="button" disabled={isBusy} aria-busy={isBusy}>
          Add a passkey
        </button>
      </p>
    </form>
  );
}
