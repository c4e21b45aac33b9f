import type { Config } from '../config/types.js';

/** [auth] second_factor: must this account have a second factor? */
export function isSecondFactorRequired(config: Config, user: { isSuperuser: boolean }): boolean {
  const policy = config.auth.second_factor;
  return policy === 'required' || (policy === 'required_for_admins' && user.isSuperuser);
}

/**
 * Whether a session may do nothing but add a second factor (and read its account, sign out): the
 * policy requires one, the account has none, and the sign-in was not through an identity provider
 * whose own sign-in (and MFA) Gatehouse trusts — every provider unless its require_second_factor.
 */
export function mustAddSecondFactor(
  config: Config,
  user: { isSuperuser: boolean; secondFactorEnrolled: boolean },
  session: { authMethod: string },
): boolean {
  if (user.secondFactorEnrolled || !isSecondFactorRequired(config, user)) return false;
  if (!session.authMethod.startsWith('oidc:')) return true;
  const name = session.authMethod.slice('oidc:'.length);
  return config.auth.openid_connect.find((provider) => provider.name === name)?.require_second_factor === true;
}
