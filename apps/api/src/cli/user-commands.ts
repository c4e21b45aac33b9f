/**
 * `gatehouse users …` and `gatehouse sessions revoke`: thin wrappers over the same services the
 * admin API uses, so every rule (last-admin protection, password policy, link lifetimes) and the
 * audit trail apply unchanged. The actor in the audit trail is "cli".
 */
import { EMAIL_SHAPE, type AdminUpdateUserRequest } from '@gatehouse/shared';
import { CLI_ACTOR } from '../audit/service.js';
import type { AppContext } from '../context.js';
import { AppError } from '../http/app-error.js';
import type { Services } from '../services.js';
import type { User } from '../users/repo.js';
import { CliError, type CliEnvironment } from './cli-context.js';

const TOGGLES: Record<string, { change: AdminUpdateUserRequest; done: string }> = {
  promote: { change: { is_superuser: true }, done: 'is now an administrator' },
  demote: { change: { is_superuser: false }, done: 'is no longer an administrator' },
  activate: { change: { is_active: true }, done: 'is active and can sign in' },
  deactivate: { change: { is_active: false }, done: 'is deactivated; its sessions were ended' },
};

export const USER_SUBCOMMANDS = ['list', 'create', ...Object.keys(TOGGLES), 'unlock', 'reset-link', 'reset-2fa'] as const;

export function requireEmail(value: string | undefined, usage: string): string {
  if (value === undefined || !EMAIL_SHAPE.test(value.trim())) throw new CliError(`Give an email address: ${usage}`, 2);
  return value.trim();
}

function describeUser(user: User): string {
  const flags = [
    user.isSuperuser ? 'admin' : 'user',
    user.isActive ? 'active' : 'DEACTIVATED',
    user.isVerified ? 'verified' : 'unverified',
    user.hashedPassword ? 'password' : 'no password',
    ...(user.secondFactorEnrolled ? ['2FA'] : []),
  ];
  return `${user.email.padEnd(32)} ${flags.join(', ').padEnd(40)} ${user.createdAt.toISOString().slice(0, 10)}  ${user.id}`;
}

/** AppErrors are the operator's answer (LAST_ADMIN, USER_NOT_FOUND, …), not a crash. */
async function asCliErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof AppError) throw new CliError(`${error.userMessage} (${error.code})`);
    throw error;
  }
}

export async function runUsersCommand(
  cli: CliEnvironment,
  ctx: AppContext,
  services: Services,
  subcommand: string,
  args: readonly string[],
  flags: { admin: boolean },
): Promise<void> {
  const { users } = services;
  await asCliErrors(async () => {
    if (subcommand === 'list') {
      const all = await users.listAll();
      for (const user of all) cli.out(`${describeUser(user)}\n`);
      cli.out(`${all.length} user(s)\n`);
      return;
    }
    const email = requireEmail(args[0], `gatehouse users ${subcommand} EMAIL`);
    if (subcommand === 'create') {
      const { user, setupUrl } = await users.create(CLI_ACTOR, { email, is_superuser: flags.admin });
      cli.out(`Created ${user.email}${user.isSuperuser ? ' (administrator)' : ''}.\n`);
      if (setupUrl) cli.out(`One-time link to choose a password (valid ${ctx.config.auth.setup_link_lifetime / 3600} h): ${setupUrl}\n`);
      return;
    }
    const user = await users.getByEmail(email);
    const toggle = TOGGLES[subcommand];
    if (toggle) {
      await users.update(CLI_ACTOR, user.id, toggle.change);
      cli.out(`${user.email} ${toggle.done}.\n`);
      return;
    }
    if (subcommand === 'unlock') {
      await users.unlock(CLI_ACTOR, user.id);
      cli.out(`${user.email} can try to sign in again: its failed sign-in count was cleared.\n`);
      return;
    }
    if (subcommand === 'reset-2fa') {
      await services.secondFactor.reset(CLI_ACTOR, user);
      cli.out(
        `${user.email}'s authenticator app, recovery codes and passkeys were removed; the password alone signs in until a new one is set up.\n`,
      );
      return;
    }
    if (subcommand === 'reset-link') {
      const result = await services.passwordReset.sendResetLinkAsAdmin(CLI_ACTOR, user.id);
      if (result.sent) cli.out(`Emailed a password reset link to ${user.email} (valid until ${result.expires_at}).\n`);
      else {
        if (result.delivery_error) cli.err(`Could not email it: ${result.delivery_error}\n`);
        cli.out(`One-time link for ${user.email} (valid until ${result.expires_at}): ${result.reset_url}\n`);
      }
      return;
    }
    throw new CliError(`Unknown users command "${subcommand}". Use one of: ${USER_SUBCOMMANDS.join(', ')}.`, 2);
  });
}

export async function runSessionsRevoke(cli: CliEnvironment, services: Services, args: readonly string[]): Promise<void> {
  const email = requireEmail(args[0], 'gatehouse sessions revoke EMAIL');
  const { users } = services;
  await asCliErrors(async () => {
    const user = await users.getByEmail(email);
    const count = await users.revokeAllSessions(CLI_ACTOR, user.id);
    cli.out(`Ended ${count} session(s) of ${user.email}; it must sign in again everywhere.\n`);
  });
}
