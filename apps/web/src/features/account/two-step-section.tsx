import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { SecondFactorStatus, UserRead } from '@gatehouse/shared';
import { useApi } from '../../api/api-context';
import { useSecondFactorStatus } from '../../api/hooks';
import { queryKeys } from '../../api/query-keys';
import { ErrorAlert, Loading } from '../../ui/messages';
import { needsReauthentication, ReauthenticatePrompt } from './reauthenticate-prompt';
import { RecoveryCodes } from './recovery-codes';
import { TotpSetup } from './totp-setup';

/** How many unused recovery codes are left, with a nudge when they run low. */
export function describeRecoveryCodesLeft(left: number): string {
  if (left === 0) return 'You have no recovery codes left. Make new ones, so that losing your app does not lock you out.';
  const count = left === 1 ? '1 recovery code' : `${left} recovery codes`;
  return left <= 3 ? `You have ${count} left. Make new ones before you run out.` : `You have ${count} left.`;
}

/**
 * Two-step sign-in: an authenticator app whose code every password sign-in then also asks for.
 * Set it up (QR code, then a code to confirm), see the recovery codes once, make new ones, or
 * remove it. Making new codes and removing need a recent sign-in, as setting up does: when the
 * server asks, the person confirms it is them and the change goes on.
 */
export function TwoStepSection({ user }: { user: UserRead }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const status = useSecondFactorStatus();
  // For "Confirm it is you" with a provider: the list the linked-accounts section reads too.
  const links = useQuery({
    queryKey: queryKeys.linkedAccounts,
    queryFn: ({ signal }) => api.call('listMyLinkedAccounts', { signal }),
  });
  // Recovery codes just made: shown until the person says they have saved them, then gone.
  const [codes, setCodes] = useState<string[] | null>(null);
  const [isConfirmingRemoval, setIsConfirmingRemoval] = useState(false);

  // has_second_factor (on /users/me) changes with the status.
  const refresh = () =>
    Promise.all([queryClient.invalidateQueries({ queryKey: queryKeys.secondFactor }), queryClient.invalidateQueries({ queryKey: queryKeys.me })]);
  const regenerate = useMutation({
    mutationFn: () => api.call('regenerateRecoveryCodes'),
    onMutate: (): void => remove.reset(),
    onSuccess: (result) => setCodes(result.recovery_codes),
    onSettled: refresh,
  });
  const remove = useMutation({
    mutationFn: () => api.call('removeTotp'),
    onMutate: (): void => regenerate.reset(),
    onSuccess: () => setIsConfirmingRemoval(false),
    onSettled: refresh,
  });

  const failed = regenerate.error ?? remove.error;
  const isAskingToConfirm = needsReauthentication(failed);
  function repeatAfterConfirming(): void {
    if (regenerate.isError) regenerate.mutate();
    else if (remove.isError) remove.mutate();
  }
  function cancelConfirming(): void {
    regenerate.reset();
    remove.reset();
    setIsConfirmingRemoval(false);
  }

  function showCodes(recoveryCodes: string[]): void {
    setCodes(recoveryCodes);
    void refresh();
  }

  return (
    <section className="card stack" aria-labelledby="two-step-heading">
      <h2 id="two-step-heading">Two-step sign-in</h2>
      {status.isPending && <Loading />}
      <ErrorAlert error={status.error ?? (isAskingToConfirm ? null : failed)} />
      {codes ? (
        <RecoveryCodes codes={codes} accountName={user.email} onDone={() => setCodes(null)} />
      ) : (
        status.data &&
        (status.data.totp ? (
          <>
            <p>
              <strong>On.</strong> Signing in with your password also asks for a code from your authenticator app
              {status.data.passkeys > 0 && ' (or one of your passkeys)'}. {describeRecoveryCodesLeft(status.data.recovery_codes_left)}
            </p>
            {isAskingToConfirm && links.data && (
              <ReauthenticatePrompt user={user} links={links.data} onConfirmed={repeatAfterConfirming} onCancel={cancelConfirming} />
            )}
            {isConfirmingRemoval ? (
              <RemovalConfirmation status={status.data} isBusy={remove.isPending} onRemove={() => remove.mutate()} onCancel={cancelConfirming} />
            ) : (
              <div className="button-row">
                <button
                  type="button"
                  className="button button-secondary"
                  disabled={regenerate.isPending}
                  aria-busy={regenerate.isPending}
                  onClick={() => regenerate.mutate()}
                >
                  Make new recovery codes
                </button>
                <button
                  type="button"
                  className="button button-secondary"
                  onClick={() => {
                    regenerate.reset();
                    setIsConfirmingRemoval(true);
                  }}
                >
                  Remove authenticator app
                </button>
              </div>
            )}
          </>
        ) : (
          <>
            <p>
              {status.data.passkeys > 0 ? (
                <>
                  <strong>No authenticator app.</strong> Signing in with your password asks for one of your passkeys as its second step; an
                  authenticator app on your phone would be another way to give it.
                </>
              ) : (
                <>
                  <strong>Off.</strong> Add an authenticator app on your phone, and signing in with your password will also ask for the code it shows:
                  someone who learns your password still cannot get in.
                </>
              )}
            </p>
            {status.data.required && status.data.passkeys === 0 && <p>This server requires two-step sign-in for your account.</p>}
            <TotpSetup user={user} links={links.data ?? []} onConfirmed={showCodes} />
          </>
        ))
      )}
    </section>
  );
}

function RemovalConfirmation({
  status,
  isBusy,
  onRemove,
  onCancel,
}: {
  status: SecondFactorStatus;
  isBusy: boolean;
  onRemove: () => void;
  onCancel: () => void;
}) {
  return (
    <div className="confirm-box stack" role="group" aria-labelledby="remove-totp-question">
      <p id="remove-totp-question">Remove the authenticator app and your recovery codes?</p>
      <p>
        {status.passkeys > 0
          ? 'Signing in with your password will then ask for one of your passkeys only.'
          : status.required
            ? 'This server requires two-step sign-in for your account: you will have to set up an app again before you can do anything else.'
            : 'Signing in will then need only your password.'}
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
