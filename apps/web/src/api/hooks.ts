/** Queries shared by several pages. */
import { useQuery } from '@tanstack/react-query';
import { useApi } from './api-context';
import { fetchCurrentUser } from './client';
import { queryKeys } from './query-keys';

/** The signed-in user: `data` is null when signed out, undefined while loading. */
export function useCurrentUser() {
  const api = useApi();
  return useQuery({
    queryKey: queryKeys.me,
    queryFn: ({ signal }) => fetchCurrentUser(api, signal),
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
