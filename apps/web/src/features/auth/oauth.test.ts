import { describe, expect, it } from '@jest/globals';
import { describeOidcError, OIDC_ERROR_MESSAGES } from '@gatehouse/shared';
import { findAutoLaunchProvider, oauthAuthorizeUrl, readOidcErrorCode, type OidcProviderOption } from './oauth';

const provider = (name: string, autoLaunch = false): OidcProviderOption => ({
  name,
  button_text: `Sign in with ${name}`,
  icon_url: '',
  auto_launch: autoLaunch,
  authorize_url: `/api/v1/auth/cookie/${name}/authorize?redirect=true`,
  redirect_uri: `https://media.example.com/api/v1/auth/cookie/${name}/callback`,
});

describe('oauthAuthorizeUrl', () => {
  it('carries the path to come back to, encoded', () => {
    expect(oauthAuthorizeUrl(provider('Authentik'), '/admin/users?page=2')).toBe(
      '/api/v1/auth/cookie/Authentik/authorize?redirect=true&returnTo=%2Fadmin%2Fusers%3Fpage%3D2',
    );
    expect(oauthAuthorizeUrl(provider('Authentik'), '/')).toBe('/api/v1/auth/cookie/Authentik/authorize?redirect=true');
  });
});

describe('findAutoLaunchProvider', () => {
  const providers = [provider('A'), provider('B', true)];
  it('picks the provider with auto_launch', () => {
    expect(findAutoLaunchProvider(providers, new URLSearchParams(''))?.name).toBe('B');
    expect(findAutoLaunchProvider([provider('A')], new URLSearchParams(''))).toBeNull();
  });
  it('is bypassed by ?local=1 and after a failed attempt', () => {
    expect(findAutoLaunchProvider(providers, new URLSearchParams('local=1'))).toBeNull();
    expect(findAutoLaunchProvider(providers, new URLSearchParams('oidc_error=OIDC_ACCESS_DENIED'))).toBeNull();
  });
});

describe('the message of a failed single sign-on (?oidc_error=CODE)', () => {
  const messageOf = (query: string) => {
    const code = readOidcErrorCode(new URLSearchParams(query));
    return code === null ? null : describeOidcError(code);
  };
  it('shows the message for a known code', () => {
    expect(messageOf('oidc_error=OIDC_EMAIL_NOT_VERIFIED')).toBe(OIDC_ERROR_MESSAGES.OIDC_EMAIL_NOT_VERIFIED);
  });
  it('tells the owner of an unproven address how to link the provider', () => {
    expect(messageOf('oidc_error=OIDC_EMAIL_UNPROVEN')).toMatch(/sign in with its password and link the provider from your account page/);
  });
  it('never reflects unknown text', () => {
    expect(messageOf('oidc_error=<script>alert(1)</script>')).toBe(OIDC_ERROR_MESSAGES.OIDC_LOGIN_FAILED);
    expect(messageOf('')).toBeNull();
  });
});
