#!/usr/bin/env node
/**
 * The `gatehouse` command: run the server, migrate, diagnose, and manage accounts from a shell,
 * with the same configuration (and the same services and rules) as the server.
 *   npm run gatehouse -- doctor [--config path/to/config.toml]     (or: pnpm gatehouse doctor)
 */
import './v8-flags.js';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from './config/index.js';
import type { Config } from './config/types.js';
import { applyMigrations, MIGRATIONS_DIR, readMigrationFiles, readMigrationStatus } from './db/migrate.js';
import { readVersion } from './version.js';
import { createLogger } from './logger.js';
import { createMailer } from './mail/mailer.js';
import { CliError, openCliContext, openCliDatabase, type CliEnvironment } from './cli/cli-context.js';
import { runDoctor } from './cli/doctor.js';
import { USER_SUBCOMMANDS, requireEmail, runSessionsRevoke, runUsersCommand } from './cli/user-commands.js';
import { KEY_SUBCOMMANDS, runKeysCommand } from './cli/key-commands.js';
import { openDatabase, resolveDatabaseTarget } from './db/database.js';

const USAGE = `Usage: gatehouse <command> [--config path/to/config.toml]

  serve                          Run Gatehouse (what \`npm start\` runs after building)
  migrate                        Apply pending database migrations, then show the status
  migrate status                 Show which migrations are applied and which are pending
  doctor                         Check the configuration, the database, SMTP and every OpenID
                                 Connect provider; print the redirect URIs to register
  users list                     List the accounts
  users create EMAIL [--admin]   Create an account; prints a one-time link to choose a password
  users promote|demote EMAIL     Make or unmake an administrator (never the last active one)
  users activate|deactivate EMAIL
  users unlock EMAIL             Clear the account's failed sign-in count (lifts the 429)
  users reset-link EMAIL [--send]  Print a one-time password link (--send: email it instead)
  users reset-2fa EMAIL          Remove the account's authenticator app, recovery codes and
                                 passkeys (someone who lost their phone and their codes)
  sessions revoke EMAIL          End every session of the account
  keys list --user EMAIL         List the account's API keys (prefix, scope, name, expiry, last use)
  keys create --user EMAIL --name NAME --scope read|write|admin [--expires DAYS]
                                 Make an API key (default 90 days); prints it once, on stdout
  keys revoke ID|PREFIX          Revoke an API key at once
  mail test ADDRESS              Send a test email with [notifications.smtp_config]
                                 (also: send-test-email --to ADDRESS)
  config check FILE              Validate a config.toml without starting anything

The configuration comes from --config, else $CONFIG_FILE, else $CONFIG_DIR/config.toml, else
./config.toml. With the embedded database, stop the server before running commands that open
the database (users, sessions, keys, migrate, doctor): only one process may open it at a time.
Exit status: 0 done, 1 failed or problems found, 2 wrong usage or a bad configuration.
`;

function loadCliConfig(cli: CliEnvironment, argv: readonly string[] = cli.argv): Config {
  try {
    return loadConfig({ argv, env: cli.env, cwd: cli.cwd }).config;
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(`The configuration has problems:\n${error.message}`, 2);
    throw error;
  }
}

async function runMailTest(cli: CliEnvironment, to: string | undefined): Promise<number> {
  const address = requireEmail(to, 'gatehouse mail test ADDRESS');
  const config = loadCliConfig(cli);
  const smtp = config.notifications.smtp_config;
  if (!smtp) throw new CliError('There is no [notifications.smtp_config] table in the configuration: nothing to test.', 2);
  let mailer;
  try {
    mailer = createMailer(smtp);
  } catch (error) {
    throw new CliError((error as Error).message, 2);
  }
  try {
    cli.out(`Sending a test email to ${address} through ${mailer.description} ...\n`);
    await mailer.send({
      to: address,
      subject: 'Gatehouse test email',
      text: `This is a test email from Gatehouse at ${config.misc.frontend_url}. Mail works.`,
      html: `<p>This is a test email from Gatehouse at ${config.misc.frontend_url.replace(/[<>&"]/g, '')}. Mail works.</p>`,
    });
    cli.out("Sent. If it does not arrive, check the spam folder and the mail server's log.\n");
    return 0;
  } catch (error) {
    throw new CliError((error as Error).message);
  } finally {
    mailer.close();
  }
}

async function runMigrate(cli: CliEnvironment, subcommand: string | undefined): Promise<number> {
  if (subcommand !== undefined && subcommand !== 'status') throw new CliError(`Unknown migrate command "${subcommand}".\n\n${USAGE}`, 2);
  const config = loadCliConfig(cli);
  const migrations = readMigrationFiles(cli.migrationsDir);
  const db = subcommand === 'status' ? await openCliDatabase(config, cli.cwd) : await openDatabase(resolveDatabaseTarget(config.database, cli.cwd));
  try {
    cli.out(`Database: ${db.description}\n`);
    if (subcommand === undefined) {
      const logger = createLogger('warn', { write: (line: string) => cli.err(line) });
      const { applied } = await applyMigrations(db, migrations, logger);
      cli.out(applied.length > 0 ? `Applied ${applied.length} migration(s).\n` : 'Nothing to apply: the database is up to date.\n');
    }
    const status = await readMigrationStatus(db, migrations);
    for (const migration of status) {
      cli.out(`  ${migration.appliedAt ? `applied ${migration.appliedAt.toISOString()}` : 'PENDING'.padEnd(32)}  ${migration.name}\n`);
    }
    const pending = status.filter((m) => m.appliedAt === null).length;
    cli.out(`${status.length - pending} applied, ${pending} pending\n`);
    return 0;
  } finally {
    await db.close();
  }
}

function runConfigCheck(cli: CliEnvironment, file: string | undefined): number {
  if (!file) throw new CliError('Give the file to check: gatehouse config check FILE', 2);
  const config = loadCliConfig(cli, ['--config', file]);
  const providers = config.auth.openid_connect.filter((p) => p.enabled).map((p) => `"${p.name}"`);
  cli.out(
    `${path.resolve(cli.cwd, file)} is valid.\n` +
      `  public address: ${config.misc.frontend_url}\n` +
      `  database: ${config.database.url || config.database.host ? 'PostgreSQL' : `embedded (${config.database.data_dir})`}\n` +
      `  SMTP: ${config.notifications.smtp_config ? config.notifications.smtp_config.smtp_host : 'not configured'}\n` +
      `  OpenID Connect providers: ${providers.join(', ') || 'none'}\n`,
  );
  return 0;
}

/** Runs one command; resolves to the exit status, or null when the command keeps running (serve). */
export async function runCli(argv: readonly string[], env: Readonly<Record<string, string | undefined>>, cwd: string): Promise<number | null> {
  const cli: CliEnvironment = {
    argv,
    env,
    cwd,
    migrationsDir: MIGRATIONS_DIR,
    version: readVersion(),
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
  };
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        config: { type: 'string' },
        admin: { type: 'boolean', default: false },
        send: { type: 'boolean', default: false },
        to: { type: 'string' },
        user: { type: 'string' },
        name: { type: 'string' },
        scope: { type: 'string' },
        expires: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    cli.err(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const [command, subcommand, ...rest] = parsed.positionals;
  const { values } = parsed;
  if (command === undefined || command === 'help' || values.help) {
    cli.out(USAGE);
    return command === undefined && !values.help ? 2 : 0;
  }
  try {
    switch (command) {
      case 'serve':
        // main.js starts the server when imported, reading --config from process.argv itself.
        await import('./main.js');
        return null;
      case 'migrate':
        return await runMigrate(cli, subcommand);
      case 'doctor':
        return await runDoctor(cli);
      case 'config':
        if (subcommand !== 'check') throw new CliError(`Unknown config command "${subcommand ?? ''}".\n\n${USAGE}`, 2);
        return runConfigCheck(cli, rest[0]);
      case 'mail':
        if (subcommand !== 'test') throw new CliError(`Unknown mail command "${subcommand ?? ''}".\n\n${USAGE}`, 2);
        return await runMailTest(cli, rest[0]);
      case 'send-test-email':
        return await runMailTest(cli, values.to);
      case 'users':
      case 'keys':
      case 'sessions': {
        const isKnown =
          command === 'users'
            ? (USER_SUBCOMMANDS as readonly string[]).includes(subcommand ?? '')
            : command === 'keys'
              ? (KEY_SUBCOMMANDS as readonly string[]).includes(subcommand ?? '')
              : subcommand === 'revoke';
        if (!isKnown) throw new CliError(`Unknown ${command} command "${subcommand ?? ''}".\n\n${USAGE}`, 2);
        const config = loadCliConfig(cli);
        const mailer = command === 'users' && values.send && config.notifications.smtp_config ? createMailer(config.notifications.smtp_config) : null;
        const { ctx, services, close } = await openCliContext(cli, config, { mailer });
        try {
          if (command === 'users') await runUsersCommand(cli, ctx, services, subcommand!, rest, { admin: values.admin });
          else if (command === 'keys') await runKeysCommand(cli, services, subcommand!, rest, values);
          else await runSessionsRevoke(cli, services, rest);
        } finally {
          await close();
          mailer?.close();
        }
        return 0;
      }
      default:
        throw new CliError(`Unknown command "${command}".\n\n${USAGE}`, 2);
    }
  } catch (error) {
    if (error instanceof CliError) {
      cli.err(`${error.message}\n`);
      return error.exitCode;
    }
    throw error;
  }
}

const isMain = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === fs.realpathSync(path.resolve(process.argv[1]));
if (isMain) {
  runCli(process.argv.slice(2), process.env, process.cwd()).then(
    (code) => {
      if (code !== null) process.exit(code);
    },
    (error: unknown) => {
      process.stderr.write(`gatehouse: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
