import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router-dom';
import { useApi } from '../../api/api-context';
import { forgetSignedInUser } from '../../api/query-client';

export function useSignOut() {
  const api = useApi();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  return useMutation({
    mutationFn: () => api.call('cookieLogout'),
    onSuccess: () => {
      // Clear the cache first, so the login page never sees the old user and bounces back.
      forgetSignedInUser(queryClient);
      navigate('/login', { replace: true });
    },
  });
}
