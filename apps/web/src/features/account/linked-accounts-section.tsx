import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { LinkedAccountRead } from '@gatehouse/shared';
import { useApi } from '../../api/api-context';
import { ErrorAlert, Loading } from '../../ui/messages';

const LINKED_ACCOUNTS_KEY = ['linked-accounts'] as const;

function formatDate(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** Identity-provider accounts linked to this one; each can be unlinked unless it is the last way in. */
export function LinkedAccountsSection() {
  const api = useApi();
  const queryClient = useQueryClient();
  const links = useQuery({
    queryKey: LINKED_ACCOUNTS_KEY,
    queryFn: ({ signal }) => api.call('listMyLinkedAccounts', { signal }),
  });
  const unlink = useMutation({
    mutationFn: (id: string) => api.call('unlinkMyLinkedAccount', { params: { id } }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: LINKED_ACCOUNTS_KEY }),
  });

  // Nothing to show for accounts that never used single sign-on.
  if (links.data?.length === 0) return null;

  return (
    <section className="card" aria-labelledby="linked-accounts-heading">
      <h2 id="linked-accounts-heading">Linked sign-in providers</h2>
      <p>You can sign in through these identity providers. Unlink one you no longer use.</p>
      {links.isPending && <Loading />}
      <ErrorAlert error={links.error ?? unlink.error} />
      {links.data && (
        <ul className="session-list">
          {links.data.map((link: LinkedAccountRead) => {
            const isBusy = unlink.isPending && unlink.variables === link.id;
            return (
              <li key={link.id} className="session">
                <div>
                  <p className="session-name">{link.provider}</p>
                  <p className="session-meta">
                    {link.email && <>{link.email} · </>}
                    Linked <time dateTime={link.created_at}>{formatDate(link.created_at)}</time>
                    {link.last_login_at && (
                      <>
                        {' '}
                        · Last used <time dateTime={link.last_login_at}>{formatDate(link.last_login_at)}</time>
                      </>
                    )}
                  </p>
                </div>
                <button
                  type="button"
                  className="button button-secondary"
                  aria-label={`Unlink ${link.provider}`}
                  disabled={isBusy}
                  aria-busy={isBusy}
                  onClick={() => unlink.mutate(link.id)}
                >
                  Unlink
                </button>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
