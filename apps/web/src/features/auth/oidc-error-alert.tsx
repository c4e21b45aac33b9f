import { describeOidcError } from '@gatehouse/shared';
import { ErrorAlert } from '../../ui/messages';

/**
 * Why single sign-on failed (?oidc_error=CODE): the message for a known code, the generic one for
 * anything else, never text from the address. Its messages load only when there is one to show.
 */
export function OidcErrorAlert({ code }: { code: string }) {
  return <ErrorAlert error={describeOidcError(code)} />;
}
