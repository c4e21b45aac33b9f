/**
 * `gatehouse keys list|create|revoke`: API keys for automation, through the same service as the
 * API (the same rules, the same audit trail, with the actor "cli"). A created key is printed once.
 */
import { API_KEY_SCOPES, type ApiKeyScope } from '@gatehouse/shared';
import { CLI_ACTOR } from '../audit/service.js';
import { AppError } from '../http/app-error.js';
import type { Services } from '../services.js';
import { toApiKeyRead } from '../api-keys/service.js';
import { CliError, type CliEnvironment } from './cli-context.js';
import { requireEmail } from './user-commands.js';

export const KEY_SUBCOMMANDS = ['list', 'create', 'revoke'] as const;

export interface KeyFlags {
  user?: string;
  name?: string;
  scope?: string;
  expires?: string;
}

export async function runKeysCommand(
  cli: CliEnvironment,
  services: Services,
  subcommand: string,
  args: readonly string[],
  flags: KeyFlags,
): Promise<void> {
  const { apiKeys, users } = services;
  try {
    if (subcommand === 'list') {
      const email = requireEmail(flags.user ?? args[0], 'gatehouse keys list --user EMAIL');
      const user = await users.getByEmail(email);
      const keys = await apiKeys.list(user.id);
      for (const key of keys) {
        cli.out(
          `${key.prefix.padEnd(22)} ${key.scope.padEnd(6)} ${key.name.padEnd(24)} expires ${key.expires_at?.slice(0, 10) ?? 'never'}  ` +
            `last used ${key.last_used_at?.slice(0, 16) ?? 'never'}  ${key.id}\n`,
        );
      }
      cli.out(`${keys.length} key(s) of ${user.email}\n`);
      return;
    }
    if (subcommand === 'create') {
      const usage = 'gatehouse keys create --user EMAIL --name NAME --scope read|write|admin [--expires DAYS]';
      const email = requireEmail(flags.user, usage);
      if (!flags.name?.trim()) throw new CliError(`Give the key a name: ${usage}`, 2);
      if (!(API_KEY_SCOPES as readonly string[]).includes(flags.scope ?? '')) throw new CliError(`Give a scope, read, write or admin: ${usage}`, 2);
      const days = flags.expires === undefined ? undefined : flags.expires === 'never' ? null : Number(flags.expires);
      if (days !== undefined && days !== null && !(Number.isInteger(days) && days >= 1 && days <= 365)) {
        throw new CliError(`--expires is a number of days from 1 to 365 (or "never" where allowed): ${usage}`, 2);
      }
      const user = await users.getByEmail(email);
      const created = await apiKeys.create(
        user,
        { name: flags.name.trim().slice(0, 100), scope: flags.scope as ApiKeyScope, ...(days === undefined ? {} : { expires_in_days: days }) },
        null,
        CLI_ACTOR,
      );
      cli.err(
        `Created ${created.api_key.scope} key "${created.api_key.name}" for ${user.email}, expires ${created.api_key.expires_at ?? 'never'}. It is shown only now:\n`,
      );
      cli.out(`${created.key}\n`);
      return;
    }
    if (subcommand === 'revoke') {
      const target = args[0];
      if (!target) throw new CliError('Give the key: gatehouse keys revoke ID|PREFIX (as keys list shows them)', 2);
      const key = await apiKeys.findForCli(target);
      await apiKeys.revoke(CLI_ACTOR, key.id);
      cli.out(`Revoked ${toApiKeyRead(key).prefix} ("${key.name}").\n`);
      return;
    }
    throw new CliError(`Unknown keys command "${subcommand}". Use one of: ${KEY_SUBCOMMANDS.join(', ')}.`, 2);
  } catch (error) {
    if (error instanceof AppError) throw new CliError(`${error.userMessage} (${error.code})`);
    throw error;
  }
}
