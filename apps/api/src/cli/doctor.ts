/**
 * `gatehouse doctor`: checks the configuration, the database, SMTP and each OpenID Connect
 * provider's discovery the way the server would use them, prints the redirect URIs to register,
 * and ends with every problem and its fix (exit 1), or "No problems found" (exit 0).
 */
import { ConfigError, loadConfig } from '../config/index.js';
import type { Config } from '../config/types.js';
import { DEFAULT_TRUSTED_PROXIES } from '../config/schema.js';
import { describeUrlWithoutPassword, resolveDatabaseTarget } from '../db/database.js';
import { readMigrationFiles, readMigrationStatus } from '../db/migrate.js';
import { createLogger } from '../logger.js';
import { withTimeout } from '../timeout.js';
import { createMailer } from '../mail/mailer.js';
import { discoverOidcClient } from '../oidc/openid-adapter.js';
import { isOidcFailure, oidcFailure } from '../http/app-error.js';
import { buildPostLogoutRedirectUri, buildRedirectUri, listEnabledProviders } from '../oidc/providers.js';
import { readRelyingParty } from '../second-factor/webauthn.js';
import { openCliDatabase, type CliEnvironment } from './cli-context.js';

interface Problem {
  area: string;
  problem: string;
  fix: string;
}

const DATABASE_TIMEOUT_MS = 15_000;

const didNotAnswer = (what: string) => () => new Error(`${what} did not answer within ${DATABASE_TIMEOUT_MS / 1000} s`);

/** A database error -> what is wrong and what to change. */
function describeDatabaseError(error: unknown, where: string): { problem: string; fix: string } {
  const { code, message } = error as { code?: string; message?: string };
  const text = message ?? String(error);
  const fixes: Record<string, string> = {
    ECONNREFUSED: `Nothing accepts connections at ${where}: start PostgreSQL, or fix [database] url (or host and port).`,
    ENOTFOUND: `The host name in ${where} does not resolve: fix [database] url or host.`,
    EAI_AGAIN: `The host name in ${where} does not resolve: fix [database] url or host.`,
    ETIMEDOUT: `No answer from ${where}: check the host, the port and any firewall in between.`,
    '28P01': 'PostgreSQL refused the user name or password: fix [database] user and password (or the url).',
    '28000': 'PostgreSQL refused this connection (pg_hba.conf): allow Gatehouse’s address and user there.',
    '3D000': 'The database does not exist: create it (createdb) or fix [database] dbname (or the url).',
  };
  return {
    problem: `Cannot use the database at ${where}: ${text}${code ? ` (${code})` : ''}`,
    fix: (code && fixes[code]) ?? `Check [database] and that ${where} is reachable from here.`,
  };
}

function describeMailError(message: string): string {
  if (/EAUTH|535|authentication/i.test(message)) return 'Fix smtp_user and smtp_password in [notifications.smtp_config].';
  if (/ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNECTION|timed? ?out/i.test(message)) {
    return 'Fix smtp_host and smtp_port (587 = use_tls = true, STARTTLS; 465 = implicit_tls = true), and check the mail server runs and is reachable.';
  }
  if (/certificate|self.signed|CERT|TLS|SSL/i.test(message)) {
    return 'Fix the TLS settings: use_tls / implicit_tls to match the port, and ca_file for a certificate from your own CA.';
  }
  return 'Fix [notifications.smtp_config], then test with `gatehouse mail test you@example.com`.';
}

async function checkDatabase(cli: CliEnvironment, config: Config, problems: Problem[]): Promise<void> {
  const target = resolveDatabaseTarget(config.database, cli.cwd);
  const where = target.kind === 'embedded' ? `the embedded database in ${target.dataDir}` : describeUrlWithoutPassword(target.url);
  let db;
  try {
    db = await withTimeout(openCliDatabase(config, cli.cwd), DATABASE_TIMEOUT_MS, didNotAnswer(where));
    await withTimeout(db.ping(), DATABASE_TIMEOUT_MS, didNotAnswer(where));
    const status = await readMigrationStatus(db, readMigrationFiles(cli.migrationsDir));
    const pending = status.filter((m) => m.appliedAt === null).length;
    cli.out(
      `  ok    Database: ${where}; ${status.length - pending} of ${status.length} migrations applied` +
        (pending > 0 ? ` (${pending} pending: Gatehouse applies them at start, or run \`gatehouse migrate\`)` : '') +
        '\n',
    );
  } catch (error) {
    const { problem, fix } =
      target.kind === 'embedded' && error instanceof Error && error.name === 'CliError'
        ? { problem: error.message, fix: 'Run `gatehouse migrate` to create it, or point [database] data_dir at it.' }
        : describeDatabaseError(error, where);
    problems.push({ area: 'Database', problem, fix });
    cli.out(`  FAIL  Database: ${problem}\n`);
  } finally {
    await db?.close().catch(() => undefined);
  }
}

async function checkSmtp(cli: CliEnvironment, config: Config, problems: Problem[]): Promise<void> {
  const smtp = config.notifications.smtp_config;
  if (!smtp) {
    cli.out('  --    SMTP: no [notifications.smtp_config]; no email is sent (admins hand reset links over by hand)\n');
    return;
  }
  let mailer;
  try {
    mailer = createMailer(smtp);
    await mailer.verify();
    cli.out(`  ok    SMTP: ${mailer.description} reachable${smtp.smtp_user ? ' and accepted the login' : ''}\n`);
  } catch (error) {
    const message = (error as Error).message;
    problems.push({ area: 'SMTP', problem: message, fix: describeMailError(message) });
    cli.out(`  FAIL  SMTP: ${message}\n`);
  } finally {
    mailer?.close();
  }
}

async function checkOidcProviders(cli: CliEnvironment, config: Config, problems: Problem[]): Promise<void> {
  const providers = listEnabledProviders(config);
  if (providers.length === 0) {
    cli.out('  --    OpenID Connect: no provider enabled\n');
    return;
  }
  // Discovery logs its own warnings (http:// endpoints); the report below says what matters.
  const logger = createLogger('silent');
  for (const provider of providers) {
    try {
      const client = await discoverOidcClient(provider, logger);
      cli.out(`  ok    OpenID Connect "${provider.name}": discovered issuer ${client.issuer}\n`);
    } catch (error) {
      const failure = isOidcFailure(error) ? error : oidcFailure('OIDC_PROVIDER_UNREACHABLE', String(error));
      problems.push({
        area: `OpenID Connect "${provider.name}"`,
        problem: `${failure.code}: discovery of ${provider.configuration_endpoint} failed.`,
        fix: failure.logMessage,
      });
      cli.out(`  FAIL  OpenID Connect "${provider.name}": ${failure.code}\n`);
    }
  }
  cli.out('\nRegister these redirect URIs with the identity providers (exactly, case-sensitive):\n');
  for (const provider of providers) {
    cli.out(`  ${provider.name}: ${buildRedirectUri(config, provider)}\n`);
    if (provider.end_session) cli.out(`  ${' '.repeat(provider.name.length)}  post-logout redirect URI: ${buildPostLogoutRedirectUri(config)}\n`);
  }
}

/** Whether the server binds to loopback only (then no other machine can reach it directly). */
function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127(\.\d{1,3}){3}$/.test(bare);
}

/**
 * A warning, not a problem: with the default server.trusted_proxies every peer on a private
 * network may set the client address (X-Forwarded-For) that per-client brakes, sessions and the
 * audit trail use; fine behind one reverse proxy on a closed network, not when others share it.
 */
function checkTrustedProxies(cli: CliEnvironment, config: Config): void {
  const { host, trusted_proxies: trusted } = config.server;
  const isDefault = trusted.length === DEFAULT_TRUSTED_PROXIES.length && DEFAULT_TRUSTED_PROXIES.every((range) => trusted.includes(range));
  if (!isDefault || isLoopbackHost(host)) {
    cli.out(`  ok    Trusted proxies: ${trusted.length === 0 ? 'none' : trusted.join(', ')}\n`);
    return;
  }
  cli.out(
    `  WARN  Trusted proxies: server.trusted_proxies is the default (loopback and every private range) and ` +
      `the server listens on ${host}: any machine on a private network that reaches it can set the client ` +
      `address (X-Forwarded-For) that per-client brakes and the audit trail use.\n` +
      `        Fix: set [server] trusted_proxies to your reverse proxy's address only (e.g. ["10.0.0.5"]), ` +
      `or host = "127.0.0.1" when the proxy runs on this machine.\n`,
  );
}

/** A warning, not a problem: passkeys are off until frontend_url is a secure context. */
function checkPasskeys(cli: CliEnvironment, config: Config): void {
  const rp = readRelyingParty(config);
  if (rp.disabledReason === null) {
    cli.out(`  ok    Passkeys: relying party ${rp.id}, origin ${rp.origin}\n`);
    return;
  }
  cli.out(`  WARN  ${rp.disabledReason}\n`);
}

export async function runDoctor(cli: CliEnvironment): Promise<number> {
  let loaded;
  try {
    loaded = loadConfig({ argv: cli.argv, env: cli.env, cwd: cli.cwd });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    cli.out('Gatehouse doctor\n  FAIL  Configuration\n\n');
    cli.err(`Problem: the configuration has problems (nothing else can be checked until they are fixed):\n${error.message}\n`);
    return 1;
  }
  const { config } = loaded;
  const problems: Problem[] = [];
  cli.out(`Gatehouse doctor\n  ok    Configuration: ${loaded.path}; public address ${config.misc.frontend_url}\n`);
  checkTrustedProxies(cli, config);
  checkPasskeys(cli, config);
  await checkDatabase(cli, config, problems);
  await checkSmtp(cli, config, problems);
  await checkOidcProviders(cli, config, problems);
  if (problems.length === 0) {
    cli.out('\nNo problems found.\n');
    return 0;
  }
  cli.err(`\n${problems.length} problem(s) found:\n`);
  for (const { area, problem, fix } of problems) cli.err(`- ${area}: ${problem}\n  Fix: ${fix}\n`);
  return 1;
}
