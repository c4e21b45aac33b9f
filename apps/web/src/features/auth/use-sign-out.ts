import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router-dom';
import type { LogoutResponse } from '@gatehouse/shared';
import { useApi } from '../../api/api-context';
import { forgetSignedInUser } from '../../api/query-client';

export function useSignOut() {
  const api = useApi();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  return useMutation({
    // 204 (undefined) for most sessions; {end_session_url} when an identity provider started it.
    mutationFn: () => api.call('cookieLogout') as Promise<LogoutResponse | undefined>,
    onSuccess: (result) => {
      // Clear the cache first, so the login page never sees the old user and bounces back.
      forgetSignedInUser(queryClient);
      if (result?.end_session_url) {
        // Sign out at the identity provider too; it sends the browser back to /login.
        window.location.assign(result.end_session_url);
        return;
      }
      // ?local=1: a deliberate sign-out must not bounce straight back to an auto-launch provider.
      void navigate('/login?local=1', { replace: true });
    },
  });
}
