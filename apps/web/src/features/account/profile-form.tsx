import type { FormEvent } from 'react';
import type { UserRead } from '@gatehouse/shared';
import { ApiError } from '../../api/api-error';
import { readField } from '../../ui/form-data';
import { ErrorAlert, StatusMessage } from '../../ui/messages';
import { TextField } from '../../ui/text-field';
import { useUpdateMe } from './use-update-me';

export function ProfileForm({ user }: { user: UserRead }) {
  const updateMe = useUpdateMe();

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const displayName = readField(new FormData(event.currentTarget), 'display_name');
    updateMe.mutate({ display_name: displayName === '' ? null : displayName });
  }

  return (
    <section className="card" aria-labelledby="profile-heading">
      <h2 id="profile-heading">Profile</h2>
      <form className="stack" onSubmit={handleSubmit} noValidate>
        <ErrorAlert error={updateMe.error} />
        {updateMe.isSuccess && <StatusMessage>Display name saved.</StatusMessage>}
        <TextField
          id="display-name"
          name="display_name"
          label="Display name"
          hint="Leave empty to be shown by your email address."
          autoComplete="name"
          maxLength={100}
          defaultValue={user.display_name ?? ''}
          error={updateMe.error instanceof ApiError ? updateMe.error.messageForField('display_name') : undefined}
        />
        <button type="submit" className="button" disabled={updateMe.isPending} aria-busy={updateMe.isPending}>
          Save
        </button>
      </form>
    </section>
  );
}
