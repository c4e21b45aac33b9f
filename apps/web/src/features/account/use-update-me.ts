import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { UpdateMeRequest } from '@gatehouse/shared';
import { useApi } from '../../api/api-context';
import { queryKeys } from '../../api/query-keys';

export function useUpdateMe() {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: UpdateMeRequest) => api.call('updateMe', { body }),
    onSuccess: async (user) => {
      queryClient.setQueryData(queryKeys.me, user);
      // A new password or email may end other sessions.
      await queryClient.invalidateQueries({ queryKey: queryKeys.mySessions });
    },
  });
}
