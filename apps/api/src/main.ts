import './v8-flags.js';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Server } from 'node:http';
import { loadConfig, ConfigError } from './config/index.js';
import { createApp } from './app.js';
import { createHttpServer } from './http/server.js';
import { createPasswordHasher } from './auth/password-hasher.js';
import { createAppContext, type AppContext } from './context.js';
import { openDatabase, resolveDatabaseTarget } from './db/database.js';
import { applyMigrations, MIGRATIONS_DIR, MigrationError, readMigrationFiles } from './db/migrate.js';
import { createLogger, type Logger } from './logger.js';
import { logOidcProviders } from './oidc/providers.js';
import { createBackgroundTasks } from './background-tasks.js';
import { createMailer, type Mailer } from './mail/mailer.js';
import { describeInsecureFrontendUrl } from './http/public-url.js';
import { readRelyingParty } from './second-factor/webauthn.js';
import { createServices } from './services.js';

const WEB_DIST_DIR = fileURLToPath(new URL('../../web/dist', import.meta.url));
const SESSION_PURGE_INTERVAL_MS = 60 * 60 * 1000;
const SHUTDOWN_GRACE_MS = 10_000;
/** A reset email that failed is tried again after 30 s, 2 min and 10 min. */
const MAIL_RETRY_DELAYS_MS = [30_000, 120_000, 600_000];
const BACKGROUND_TASKS_GRACE_MS = 5_000;

/** Composition root: config -> database -> migrate -> context -> listen. */
async function main(): Promise<void> {
  let loaded;
  try {
    loaded = loadConfig({ argv: process.argv.slice(2), env: process.env, cwd: process.cwd() });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`Gatehouse cannot start: the configuration has problems.\n${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const { config } = loaded;
  const logger = createLogger(config.logging.level, undefined, config.logging.format);
  logger.info({ config_file: loaded.path }, 'Configuration loaded');
  for (const notice of loaded.notices) logger.info(notice);
  // What to register at each identity provider, ready to paste (discovery itself waits for the
  // first sign-in, so a provider that is down does not keep Gatehouse from starting).
  logOidcProviders(config, logger);
  const insecureUrlWarning = describeInsecureFrontendUrl(config);
  if (insecureUrlWarning) logger.warn({ frontend_url: config.misc.frontend_url }, insecureUrlWarning);
  const { disabledReason: passkeysOff } = readRelyingParty(config);
  if (passkeysOff) logger.warn({ frontend_url: config.misc.frontend_url }, passkeysOff);

  const target = resolveDatabaseTarget(config.database, process.cwd());
  const db = await openDatabase(target).catch((error: unknown) => {
    logger.fatal({ err: error }, 'Gatehouse cannot start: could not open the database');
    process.exit(1);
  });
  logger.info({ database: db.kind, location: db.description }, 'Database opened');

  const passwordHasher = await createPasswordHasher({
    cost: config.auth.bcrypt_cost,
    queueLimit: config.auth.password_hash_queue_limit,
  });
  const webDistDir = fs.existsSync(WEB_DIST_DIR) ? WEB_DIST_DIR : null;
  if (!webDistDir) logger.warn({ dir: WEB_DIST_DIR }, 'Web UI not built; serving the API only');
  let mailer: Mailer | null = null;
  try {
    mailer = config.notifications.smtp_config ? createMailer(config.notifications.smtp_config) : null;
  } catch (error) {
    process.stderr.write(`Gatehouse cannot start: ${(error as Error).message}\n`);
    process.exit(2);
  }
  const tasks = createBackgroundTasks(logger);
  const migrations = readMigrationFiles(MIGRATIONS_DIR);
  const ctx = createAppContext({
    config,
    db,
    logger,
    passwordHasher,
    mailer,
    mailRetryDelaysMs: MAIL_RETRY_DELAYS_MS,
    tasks,
    webDistDir,
    migrations,
  });
  const services = createServices(ctx);

  try {
    await applyMigrations(db, migrations, logger, services.ensureAdminAccounts);
  } catch (error) {
    const message = error instanceof MigrationError ? error.message : 'Database migration failed';
    logger.fatal({ err: error instanceof MigrationError ? undefined : error }, `Gatehouse cannot start: ${message}`);
    await db.close().catch(() => undefined);
    await passwordHasher.close();
    process.exit(1);
  }

  // Also prunes the audit trail past [audit] retention_days: now, then every hour.
  const purgeSessions = () => services.purgeExpired().catch((error: unknown) => logger.warn({ err: error }, 'Purging expired sessions failed'));
  // The first purge runs once the server is listening: it is housekeeping, not a reason to wait.
  const purgeTimer = setInterval(() => void purgeSessions(), SESSION_PURGE_INTERVAL_MS);
  purgeTimer.unref();

  if (mailer) checkMailSettings(ctx, mailer);

  const app = createApp(ctx, services);
  const server: Server = createHttpServer(app, logger);
  server.listen(config.server.port, config.server.host, () => {
    logger.info(
      { host: config.server.host, port: config.server.port, frontend_url: config.misc.frontend_url },
      `Gatehouse listening on http://${config.server.host}:${config.server.port} (public address ${config.misc.frontend_url})`,
    );
    void purgeSessions();
  });
  server.on('error', (error) => {
    logger.fatal({ err: error }, `Gatehouse cannot listen on ${config.server.host}:${config.server.port}`);
    process.exit(1);
  });

  installShutdown(server, logger, async () => {
    clearInterval(purgeTimer);
    // Let an email being sent right now go out; retries scheduled later are dropped (and logged).
    await Promise.race([tasks.idle(), new Promise((resolve) => setTimeout(resolve, BACKGROUND_TASKS_GRACE_MS))]);
    mailer?.close();
    await db.close();
    await passwordHasher.close();
  });
}

/**
 * Connects to the SMTP server once at start-up, in the background, so a wrong host, port, TLS
 * setting or password shows up in the log now, not when someone first needs a reset email.
 */
function checkMailSettings(ctx: AppContext, mailer: Mailer): void {
  ctx.tasks.run('smtp-check', async () => {
    try {
      await mailer.verify();
      ctx.logger.info({ smtp: mailer.description }, 'SMTP server reachable and accepted the login');
    } catch (error) {
      const resetsNote = ctx.config.auth.email_password_resets ? 'Password reset emails will NOT be delivered until this is fixed. ' : '';
      ctx.logger.error(
        { smtp: mailer.description, cause: (error as Error).message },
        `SMTP check failed: ${(error as Error).message}. ${resetsNote}` +
          'Fix [notifications.smtp_config], then test with `npm run gatehouse -- send-test-email --to <you>`.',
      );
    }
  });
}

/** SIGTERM/SIGINT: stop accepting, let requests in flight finish, close the database, exit 0. */
function installShutdown(server: Server, logger: Logger, closeResources: () => Promise<void>): void {
  let isShuttingDown = false;
  const shutdown = (signal: string) => {
    if (isShuttingDown) return;
    isShuttingDown = true;
    logger.info({ signal }, 'Shutting down');
    const force = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
    force.unref();
    server.close(() => {
      closeResources()
        .catch((error: unknown) => logger.error({ err: error }, 'Error while closing resources'))
        .finally(() => process.exit(0));
    });
    server.closeIdleConnections();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`Gatehouse failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
