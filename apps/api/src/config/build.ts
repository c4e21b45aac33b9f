/** The validated file -> the frozen Config the app reads: the same shape, a few values normalised. */
import type { ConfigFile } from './schema.js';
import { normaliseEmail } from './shape.js';
import type { Config } from './types.js';

export function buildConfig(file: ConfigFile): Config {
  const { server, auth, notifications, misc, logging } = structuredClone(file);
  const logLevel = logging.level ?? server.log_level;
  return deepFreeze({
    ...structuredClone(file),
    server: { ...server, log_level: logLevel },
    auth: {
      ...auth,
      admin_emails: [...new Set(auth.admin_emails.map(normaliseEmail))],
      cookie_domain: auth.cookie_domain.replace(/^\./, '').toLowerCase(),
      forward_auth: {
        allowed_hosts: auth.forward_auth.allowed_hosts.map((host) => host.toLowerCase()),
        rules: auth.forward_auth.rules.map((rule) => ({ ...rule, host: rule.host.toLowerCase() })),
      },
      openid_connect: auth.openid_connect.map((provider) => ({ ...provider, scopes: provider.scopes.trim().split(/\s+/).join(' ') })),
    },
    notifications: { smtp_config: notifications.smtp_config ?? null },
    // Without a trailing slash, so callers can append "/api/v1/..." directly.
    misc: {
      frontend_url: misc.frontend_url.replace(/\/+$/, ''),
      // Origins have no trailing slash (browsers send "https://host", never "https://host/").
      cors_urls: [...new Set(misc.cors_urls.map((url) => new URL(url).origin))],
    },
    logging: { level: logLevel, format: logging.format },
  });
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
