import { useMutation } from '@tanstack/react-query';
import { useApi } from '../../api/api-context';

/**
 * POST /auth/request-verify-token for the signed-in person's address. The server mails the link
 * to the account's unproven address, or to the new address of a pending email change.
 */
export function useSendVerifyLink() {
  const api = useApi();
  return useMutation({
    mutationFn: (email: string) => api.call('requestVerifyToken', { body: { email } }),
  });
}
