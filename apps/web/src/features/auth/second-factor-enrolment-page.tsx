import { useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import type { UserRead } from '@gatehouse/shared';
import { useAuthMetadata } from '../../api/hooks';
import { queryKeys } from '../../api/query-keys';
import { Loading } from '../../ui/messages';
import { useDocumentTitle } from '../../ui/use-document-title';
import { AddPasskey } from '../account/add-passkey';
import { RecoveryCodes } from '../account/recovery-codes';
import { TotpSetup } from '../account/totp-setup';
import { browserHasPasskeys } from './passkey';

/**
 * All a session sees while [auth] second_factor holds it back until it adds a second factor (the
 * server refuses everything else with SECOND_FACTOR_ENROLMENT_REQUIRED): adding a passkey (where
 * the server and the browser have passkeys), or setting up an authenticator app, then its recovery
 * codes. A passkey lets the person in at once; an app only once they say they have saved the
 * codes, when the route guard asks the server again.
 */
export function SecondFactorEnrolmentPage({ user }: { user: UserRead }) {
  const metadata = useAuthMetadata();
  const offersPasskeys = metadata.data?.passkeys_enabled === true && browserHasPasskeys();
  const title = offersPasskeys ? 'Set up two-step sign-in' : 'Set up your authenticator app';
  useDocumentTitle(title);
  const queryClient = useQueryClient();
  const [codes, setCodes] = useState<string[] | null>(null);

  function goOn() {
    void queryClient.invalidateQueries({ queryKey: queryKeys.me });
    void queryClient.invalidateQueries({ queryKey: queryKeys.secondFactor });
  }

  // Which ways to offer depends on the server's options (cached from the sign-in page, usually).
  if (metadata.isPending) return <Loading />;
  // The server lists no linked providers before this is done: "Confirm it is you" offers the password.
  const totpSetup = <TotpSetup user={user} links={[]} onConfirmed={setCodes} />;
  return (
    <div className="narrow stack">
      <h1>{title}</h1>
      {codes ? (
        <>
          <p>Two-step sign-in is on.</p>
          <RecoveryCodes codes={codes} accountName={user.email} headingLevel={2} doneLabel="I have saved them, continue" onDone={goOn} />
        </>
      ) : offersPasskeys ? (
        <>
          <p>
            You are signed in as <strong>{user.email}</strong>. This server requires two-step sign-in for your account: before you can go on, add a
            passkey or set up an authenticator app on your phone.
          </p>
          <section className="card stack" aria-labelledby="enrol-passkey-heading">
            <h2 id="enrol-passkey-heading">Add a passkey</h2>
            <p>Your device, phone or password manager keeps it and unlocks it with your fingerprint, face or PIN. It signs you in by itself.</p>
            <AddPasskey user={user} links={[]} onAdded={goOn} />
          </section>
          <section className="card stack" aria-labelledby="enrol-app-heading">
            <h2 id="enrol-app-heading">Or set up an authenticator app</h2>
            <p>Signing in with your password will then also ask for the code it shows.</p>
            {totpSetup}
          </section>
        </>
      ) : (
        <>
          <p>
            You are signed in as <strong>{user.email}</strong>. This server requires two-step sign-in for your account: before you can go on, set up
            an authenticator app on your phone. Signing in will then also ask for the code it shows.
          </p>
          {totpSetup}
        </>
      )}
    </div>
  );
}
