import { useState, type FormEvent } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { AdminCreateUserRequest, AdminCreateUserResponse } from '@gatehouse/shared';
import { ApiError } from '../../api/api-error';
import { useApi } from '../../api/api-context';
import { queryKeys } from '../../api/query-keys';
import { readCheckbox, readField } from '../../ui/form-data';
import { ErrorAlert, StatusMessage } from '../../ui/messages';
import { CheckboxField, TextField } from '../../ui/text-field';
import { findPasswordProblem } from '../auth/password-check';

export function CreateUserForm() {
  const api = useApi();
  const queryClient = useQueryClient();
  const [passwordProblem, setPasswordProblem] = useState<string>();

  const createUser = useMutation({
    mutationFn: (body: AdminCreateUserRequest) => api.call('createUser', { body }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.users }),
  });
  const fieldError = (field: string) => (createUser.error instanceof ApiError ? createUser.error.messageForField(field) : undefined);

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    const password = readField(form, 'password', { trim: false });
    const problem = password === '' ? undefined : findPasswordProblem(password);
    setPasswordProblem(problem);
    if (problem) {
      createUser.reset();
      return;
    }
    const displayName = readField(form, 'display_name');
    createUser.mutate(
      {
        email: readField(form, 'email'),
        ...(password ? { password } : {}),
        ...(displayName ? { display_name: displayName } : {}),
        is_active: readCheckbox(form, 'is_active'),
        is_verified: readCheckbox(form, 'is_verified'),
        is_superuser: readCheckbox(form, 'is_superuser'),
      },
      { onSuccess: () => formElement.reset() },
    );
  }

  return (
    <section className="card" aria-labelledby="create-user-heading">
      <h2 id="create-user-heading">Create user</h2>
      <form className="stack" onSubmit={handleSubmit} noValidate>
        <ErrorAlert error={createUser.error} />
        {createUser.data && <CreatedUser result={createUser.data} />}
        <TextField
          id="new-user-email"
          name="email"
          type="email"
          label="Email"
          autoComplete="off"
          inputMode="email"
          autoCapitalize="none"
          spellCheck={false}
          required
          error={fieldError('email')}
        />
        <TextField
          id="new-user-display-name"
          name="display_name"
          label="Display name"
          hint="Optional."
          autoComplete="off"
          maxLength={100}
          error={fieldError('display_name')}
        />
        <TextField
          id="new-user-password"
          name="password"
          type="password"
          label="Password"
          hint="Optional. Leave empty to get a one-time setup link the user opens to choose their own."
          autoComplete="new-password"
          error={passwordProblem ?? fieldError('password')}
        />
        <fieldset className="checkbox-group">
          <legend>Access</legend>
          <CheckboxField id="new-user-active" name="is_active" label="Active" defaultChecked />
          <CheckboxField id="new-user-verified" name="is_verified" label="Verified" defaultChecked />
          <CheckboxField id="new-user-superuser" name="is_superuser" label="Administrator" />
        </fieldset>
        <button type="submit" className="button" disabled={createUser.isPending} aria-busy={createUser.isPending}>
          Create user
        </button>
      </form>
    </section>
  );
}

function CreatedUser({ result }: { result: AdminCreateUserResponse }) {
  const [copyState, setCopyState] = useState<'idle' | 'copied' | 'failed'>('idle');
  // The API may answer with a path; the person receiving the link needs the whole address.
  const setupUrl = result.setup_url === null ? null : new URL(result.setup_url, window.location.origin).href;

  async function copySetupUrl() {
    if (!setupUrl) return;
    try {
      await navigator.clipboard.writeText(setupUrl);
      setCopyState('copied');
    } catch {
      // Clipboard access needs a secure context and permission; selecting lets the admin copy by hand.
      document.getElementById('setup-url')?.focus();
      setCopyState('failed');
    }
  }

  return (
    <StatusMessage>
      <p>Created {result.user.email}.</p>
      {setupUrl && (
        <div className="stack">
          <p>Send this one-time link to the user so they can choose a password:</p>
          <div className="field">
            <label htmlFor="setup-url">Setup link</label>
            <div className="copy-row">
              <input id="setup-url" name="setup_url" readOnly value={setupUrl} onFocus={(event) => event.currentTarget.select()} />
              <button type="button" className="button button-secondary" onClick={() => void copySetupUrl()}>
                Copy link
              </button>
            </div>
          </div>
          {copyState === 'copied' && <p>Copied to the clipboard.</p>}
          {copyState === 'failed' && <p>Could not copy automatically; the link is selected, copy it by hand.</p>}
        </div>
      )}
    </StatusMessage>
  );
}
