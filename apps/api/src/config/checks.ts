/** Checks the schema cannot express: published secrets, unique provider names, settings that must agree. */
import proxyAddr from 'proxy-addr';

import { isTable, type Origins, type Table } from './common.js';
import { describeWhere, TOKEN_SECRET_HINT } from './messages.js';
import type { ConfigFile } from './schema.js';

/** The placeholder in config.example.toml. Refused, so nobody runs with a secret printed in a repo. */
export const EXAMPLE_TOKEN_SECRET = 'REPLACE_ME_with_the_output_of_openssl_rand_hex_32';

/** Token secrets printed in public docs: anyone could forge tokens signed with them. */
const PUBLISHED_TOKEN_SECRETS: ReadonlySet<string> = new Set(
  [
    // MediaManager's documentation example.
    'a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8s9t0u1v2w3x4y5z6',
    // MediaManager's config.example.toml.
    'CHANGE_ME_GENERATE_RANDOM_STRING',
    EXAMPLE_TOKEN_SECRET,
  ].map((secret) => secret.toLowerCase()),
);

const TOKEN_SECRET_MIN_LENGTH = 32;

export function checkTokenSecretIsUnpublished(raw: Table, origins: Origins): string[] {
  const auth = raw['auth'];
  const secret = isTable(auth) ? auth['token_secret'] : undefined;
  if (typeof secret !== 'string' || secret.length < TOKEN_SECRET_MIN_LENGTH) return [];
  if (!PUBLISHED_TOKEN_SECRETS.has(secret.trim().toLowerCase())) return [];
  const where = describeWhere('/auth/token_secret', origins);
  return [`auth.token_secret ${where} is a published example value, so anyone could forge sign-in tokens. ${TOKEN_SECRET_HINT}`];
}

export function checkProviderNamesAreUnique(raw: Table, origins: Origins): string[] {
  const auth = raw['auth'];
  const providers = isTable(auth) ? auth['openid_connect'] : undefined;
  if (!Array.isArray(providers)) return [];
  const counts = new Map<string, number>();
  for (const provider of providers) {
    const name = isTable(provider) ? provider['name'] : undefined;
    if (typeof name === 'string') counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return [...counts]
    .filter(([, count]) => count > 1)
    .map(
      ([name, count]) =>
        `auth.openid_connect in ${origins.file}: ${count} providers are named "${name}". ` +
        'Names must be unique (case-sensitive): each is part of its redirect URI.',
    );
}

export function checkSettingsAgree(file: ConfigFile, origins: Origins): string[] {
  const problems: string[] = [];
  if (file.auth.email_password_resets && file.notifications.smtp_config === undefined) {
    problems.push(
      `auth.email_password_resets is true ${describeWhere('/auth/email_password_resets', origins)}, ` +
        'but there is no [notifications.smtp_config] table to send the reset emails with.',
    );
  }
  if (!file.auth.password_login_enabled && !file.auth.openid_connect.some((provider) => provider.enabled)) {
    problems.push(
      `auth.password_login_enabled is false ${describeWhere('/auth/password_login_enabled', origins)}, ` +
        'but no [auth.openid_connect] provider is enabled, so nobody could sign in.',
    );
  }
  problems.push(...checkOidcProvidersAgree(file, origins));
  problems.push(...checkProxySettingsAgree(file, origins));
  return problems;
}

/** trusted_proxies entries proxy-addr understands; frontend_url and cookie_domain that fit together. */
function checkProxySettingsAgree(file: ConfigFile, origins: Origins): string[] {
  const problems: string[] = [];
  for (const entry of file.server.trusted_proxies) {
    try {
      proxyAddr.compile(entry);
    } catch {
      problems.push(
        `server.trusted_proxies ${describeWhere('/server/trusted_proxies', origins)}: "${entry}" is not an IP ` +
          'address, a CIDR range (e.g. "10.0.0.0/8") or one of "loopback", "linklocal", "uniquelocal".',
      );
    }
  }
  const frontendUrl = new URL(file.misc.frontend_url);
  if (frontendUrl.search !== '' || frontendUrl.hash !== '' || frontendUrl.username !== '' || frontendUrl.password !== '') {
    problems.push(
      `misc.frontend_url ${describeWhere('/misc/frontend_url', origins)} must be a plain address with an optional ` +
        'path, like "https://media.example.com" or "https://media.example.com/auth": no query, fragment or user info.',
    );
  }
  const cookieDomain = file.auth.cookie_domain.replace(/^\./, '').toLowerCase();
  const host = frontendUrl.hostname.toLowerCase();
  if (cookieDomain !== '' && host !== cookieDomain && !host.endsWith(`.${cookieDomain}`)) {
    problems.push(
      `auth.cookie_domain ${describeWhere('/auth/cookie_domain', origins)} is "${cookieDomain}", but ` +
        `misc.frontend_url's host ${host} is not in it, so browsers would refuse the session cookie. ` +
        `Use a parent domain of ${host}, or leave cookie_domain empty.`,
    );
  }
  return problems;
}

function checkOidcProvidersAgree(file: ConfigFile, origins: Origins): string[] {
  const problems: string[] = [];
  const enabled = file.auth.openid_connect.filter((provider) => provider.enabled);
  const autoLaunched = enabled.filter((provider) => provider.auto_launch).map((provider) => `"${provider.name}"`);
  if (autoLaunched.length > 1) {
    problems.push(
      `auth.openid_connect in ${origins.file}: auto_launch is true for ${autoLaunched.join(' and ')}; ` +
        'the login page can send visitors to one provider only, so set it on at most one.',
    );
  }
  const oauthCallback = enabled.filter((provider) => provider.callback === 'oauth').map((provider) => `"${provider.name}"`);
  if (oauthCallback.length > 0 && enabled.length > 1) {
    problems.push(
      `auth.openid_connect in ${origins.file}: callback = "oauth" (${oauthCallback.join(', ')}) uses the one ` +
        'redirect URI /api/v1/auth/oauth/callback, which cannot tell providers apart, but ' +
        `${enabled.length} providers are enabled. Use callback = "provider" (the default) with several providers.`,
    );
  }
  return problems;
}
