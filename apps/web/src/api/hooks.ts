/** Queries shared by several pages. */
import { useQuery, type Query } from '@tanstack/react-query';
import type { UserRead } from '@gatehouse/shared';
import { useApi } from './api-context';
import { fetchCurrentUser } from './client';
import { queryKeys } from './query-keys';

type CurrentUserRefetchInterval = number | false | ((query: Query<UserRead | null>) => number | false);

/** The signed-in user: `data` is null when signed out, undefined while loading. */
export function useCurrentUser(options: { refetchInterval?: CurrentUserRefetchInterval } = {}) {
  const api = useApi();
  return useQuery({
    queryKey: queryKeys.me,
    queryFn: ({ signal }) => fetchCurrentUser(api, signal),
    ...options,
  });
}

/**
 * The account's second factors, and whether [auth] second_factor holds this session back until it
 * adds one (`enrolment_required`). Fetched once per sign-in, and again only when something changes
 * it: enrolment and the account page's changes, or a 403 SECOND_FACTOR_ENROLMENT_REQUIRED.
 */
export function useSecondFactorStatus(enabled = true) {
  const api = useApi();
  return useQuery({
    queryKey: queryKeys.secondFactor,
    queryFn: ({ signal }) => api.call('getMySecondFactor', { signal }),
    enabled,
    staleTime: Infinity,
  });
}

export function useAuthMetadata() {
  const api = useApi();
  return useQuery({
    queryKey: queryKeys.metadata,
    queryFn: ({ signal }) => api.call('authMetadata', { signal }),
    staleTime: 5 * 60_000,
  });
}
