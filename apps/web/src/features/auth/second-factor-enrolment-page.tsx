import { useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import type { UserRead } from '@gatehouse/shared';
import { queryKeys } from '../../api/query-keys';
import { useDocumentTitle } from '../../ui/use-document-title';
import { RecoveryCodes } from '../account/recovery-codes';
import { TotpSetup } from '../account/totp-setup';

/**
 * All a session sees while [auth] second_factor holds it back until it adds a second factor (the
 * server refuses everything else with SECOND_FACTOR_ENROLMENT_REQUIRED): setting up an
 * authenticator app, then its recovery codes. Only once the person says they have saved those
 * does the route guard ask the server again, and let them in.
 */
export function SecondFactorEnrolmentPage({ user }: { user: UserRead }) {
  useDocumentTitle('Set up your authenticator app');
  const queryClient = useQueryClient();
  const [codes, setCodes] = useState<string[] | null>(null);

  function goOn() {
    void queryClient.invalidateQueries({ queryKey: queryKeys.me });
    void queryClient.invalidateQueries({ queryKey: queryKeys.secondFactor });
  }

  return (
    <div className="narrow stack">
      <h1>Set up your authenticator app</h1>
      {codes ? (
        <>
          <p>Two-step sign-in is on.</p>
          <RecoveryCodes codes={codes} accountName={user.email} headingLevel={2} doneLabel="I have saved them, continue" onDone={goOn} />
        </>
      ) : (
        <>
          <p>
            You are signed in as <strong>{user.email}</strong>. This server requires two-step sign-in for your account: before you can go on, set up
            an authenticator app on your phone. Signing in will then also ask for the code it shows.
          </p>
          {/* The server lists no linked providers before this is done: "Confirm it is you" offers the password. */}
          <TotpSetup user={user} links={[]} onConfirmed={setCodes} />
        </>
      )}
    </div>
  );
}
