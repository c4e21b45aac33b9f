import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { LinkedAccountRead, UserRead } from '@gatehouse/shared';
import { useApi } from '../../api/api-context';
import { useAuthMetadata } from '../../api/hooks';
import { queryKeys } from '../../api/query-keys';
import { ErrorAlert, Loading } from '../../ui/messages';
import { formatDateTime } from '../../ui/format-date';
import { needsReauthentication, ReauthenticatePrompt } from './reauthenticate-prompt';

/** The providers this account could still link: enabled, and not linked yet. */
export function listLinkableProviders(providers: readonly { name: string }[], links: readonly LinkedAccountRead[]): string[] {
  const linked = new Set(links.map((link) => link.provider));
  return providers.map((provider) => provider.name).filter((name) => !linked.has(name));
}

/**
 * Identity-provider accounts linked to this one: each can be unlinked unless it is the last way
 * in, and each enabled provider not linked yet can be linked (through the provider's own page).
 * Both need a recent sign-in: when the server asks for one, the person confirms it is them and
 * the change goes on.
 */
export function LinkedAccountsSection({ user }: { user: UserRead }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const metadata = useAuthMetadata();
  const links = useQuery({
    queryKey: queryKeys.linkedAccounts,
    queryFn: ({ signal }) => api.call('listMyLinkedAccounts', { signal }),
  });
  const unlink = useMutation({
    mutationFn: (id: string) => api.call('unlinkMyLinkedAccount', { params: { id } }),
    onMutate: (): void => link.reset(),
    onSettled: () => queryClient.invalidateQueries({ queryKey: queryKeys.linkedAccounts }),
  });
  const link = useMutation({
    mutationFn: (provider: string) => api.call('linkMyAccount', { body: { provider, returnTo: '/' } }),
    onMutate: (): void => unlink.reset(),
    // The whole page goes to the provider, which sends the browser back to this page.
    onSuccess: (result) => window.location.assign(result.authorization_url),
  });

  // The change that is waiting for the person to confirm it is them, repeated once they have.
  const failed = unlink.error ?? link.error;
  const isAskingToConfirm = needsReauthentication(failed);
  function repeatAfterConfirming(): void {
    if (unlink.variables !== undefined && unlink.isError) unlink.mutate(unlink.variables);
    else if (link.variables !== undefined && link.isError) link.mutate(link.variables);
  }
  function cancelConfirming(): void {
    unlink.reset();
    link.reset();
  }

  const providers = metadata.data?.oidc_providers ?? [];
  // Nothing to show on a server without single sign-on, for accounts that never used it.
  if (providers.length === 0 && links.data?.length === 0) return null;
  const linkable = links.data ? listLinkableProviders(providers, links.data) : [];

  return (
    <section className="card" aria-labelledby="linked-accounts-heading">
      <h2 id="linked-accounts-heading">Linked sign-in providers</h2>
      <p>You can sign in through these identity providers. Unlink one you no longer use.</p>
      {links.isPending && <Loading />}
      <ErrorAlert error={links.error ?? (isAskingToConfirm ? null : failed)} />
      {isAskingToConfirm && links.data && (
        <ReauthenticatePrompt user={user} links={links.data} onConfirmed={repeatAfterConfirming} onCancel={cancelConfirming} />
      )}
      {links.data?.length === 0 && <p>No provider is linked to your account yet.</p>}
      {links.data && links.data.length > 0 && (
        <ul className="session-list">
          {links.data.map((linked) => {
            const isBusy = unlink.isPending && unlink.variables === linked.id;
            return (
              <li key={linked.id} className="session">
                <div>
                  <p className="session-name">{linked.provider}</p>
                  <p className="session-meta">
                    {linked.email && <>{linked.email} · </>}
                    Linked <time dateTime={linked.created_at}>{formatDateTime(linked.created_at)}</time>
                    {linked.last_login_at && (
                      <>
                        {' '}
                        · Last used <time dateTime={linked.last_login_at}>{formatDateTime(linked.last_login_at)}</time>
                      </>
                    )}
                  </p>
                </div>
                <button
                  type="button"
                  className="button button-secondary"
                  aria-label={`Unlink ${linked.provider}`}
                  disabled={isBusy}
                  aria-busy={isBusy}
                  onClick={() => unlink.mutate(linked.id)}
                >
                  Unlink
                </button>
              </li>
            );
          })}
        </ul>
      )}
      {linkable.length > 0 && (
        <div className="button-row">
          {linkable.map((name) => {
            const isBusy = link.isPending && link.variables === name;
            return (
              <button
                key={name}
                type="button"
                className="button button-secondary"
                disabled={link.isPending}
                aria-busy={isBusy}
                onClick={() => link.mutate(name)}
              >
                Link {name}
              </button>
            );
          })}
        </div>
      )}
    </section>
  );
}
