import { MutationCache, QueryCache, QueryClient } from '@tanstack/react-query';
import { ErrorCode } from '@gatehouse/shared';
import { ApiError } from './api-error';
import { queryKeys } from './query-keys';

/**
 * Drops every cached query except the login options and `me`. `me` stays in the cache, so the
 * components watching it hear of the change, and is set by the caller.
 */
export function removeUserData(queryClient: QueryClient): void {
  const kept = new Set<unknown>([queryKeys.metadata[0], queryKeys.me[0]]);
  queryClient.removeQueries({ predicate: (query) => !kept.has(query.queryKey[0]) });
}

/** After sign-out, or when the session ends: the route guard then sends the user to /login. */
export function forgetSignedInUser(queryClient: QueryClient): void {
  removeUserData(queryClient);
  queryClient.setQueryData(queryKeys.me, null);
}

export function createQueryClient(): QueryClient {
  // A 401 from any call means the session has ended (expired, or revoked elsewhere): mark the user
  // signed out, and the route guard sends them to the login page. A 403 that says this session must
  // add a second factor first: ask again, and the route guard shows the page that sets one up.
  const handleError = (error: unknown) => {
    if (!(error instanceof ApiError)) return;
    if (error.isUnauthorized) forgetSignedInUser(queryClient);
    else if (error.code === ErrorCode.SECOND_FACTOR_ENROLMENT_REQUIRED) void queryClient.invalidateQueries({ queryKey: queryKeys.secondFactor });
  };
  const queryClient: QueryClient = new QueryClient({
    queryCache: new QueryCache({ onError: handleError }),
    mutationCache: new MutationCache({ onError: handleError }),
    defaultOptions: {
      queries: {
        staleTime: 30_000,
        refetchOnWindowFocus: true,
        // Client errors will not fix themselves; retry once only when the server or network hiccups.
        retry: (failureCount, error) => failureCount < 1 && !(error instanceof ApiError && error.status >= 400 && error.status < 500),
      },
      mutations: { retry: false },
    },
  });
  return queryClient;
}
