import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Server } from 'node:http';
import { loadConfig, ConfigError } from './config/index.js';
import { createApp } from './app.js';
import { createPasswordHasher } from './auth/password-hasher.js';
import { createAuthService } from './auth/service.js';
import { systemClock } from './clock.js';
import type { AppContext } from './context.js';
import { openDatabase, resolveDatabaseTarget } from './db/database.js';
import { applyMigrations, MigrationError, readMigrationFiles } from './db/migrate.js';
import { createLogger, type Logger } from './logger.js';
import { ensureAdminAccounts } from './users/admin-bootstrap.js';

const MIGRATIONS_DIR = fileURLToPath(new URL('../../../prisma/migrations', import.meta.url));
const WEB_DIST_DIR = fileURLToPath(new URL('../../web/dist', import.meta.url));
const PACKAGE_JSON = fileURLToPath(new URL('../package.json', import.meta.url));
const SESSION_PURGE_INTERVAL_MS = 60 * 60 * 1000;
const SHUTDOWN_GRACE_MS = 10_000;

function readVersion(): string {
  const pkg = JSON.parse(fs.readFileSync(PACKAGE_JSON, 'utf8')) as { version?: string };
  return pkg.version ?? '0.0.0';
}

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
  const logger = createLogger(config.server.log_level);
  logger.info({ config_file: loaded.path }, 'Configuration loaded');
  for (const notice of loaded.notices) logger.info(notice);

  const target = resolveDatabaseTarget(config.database, process.cwd());
  const db = await openDatabase(target).catch((error: unknown) => {
    logger.fatal({ err: error }, 'Gatehouse cannot start: could not open the database');
    process.exit(1);
  });
  logger.info({ database: db.kind, location: db.description }, 'Database opened');

  const passwordHasher = await createPasswordHasher({ cost: config.auth.bcrypt_cost });
  const webDistDir = fs.existsSync(WEB_DIST_DIR) ? WEB_DIST_DIR : null;
  if (!webDistDir) logger.warn({ dir: WEB_DIST_DIR }, 'Web UI not built; serving the API only');
  const ctx: AppContext = {
    config,
    db,
    logger,
    clock: systemClock,
    passwordHasher,
    version: readVersion(),
    webDistDir,
  };

  try {
    await applyMigrations(db, readMigrationFiles(MIGRATIONS_DIR), logger, () => ensureAdminAccounts(ctx));
  } catch (error) {
    const message = error instanceof MigrationError ? error.message : 'Database migration failed';
    logger.fatal({ err: error instanceof MigrationError ? undefined : error }, `Gatehouse cannot start: ${message}`);
    await db.close().catch(() => undefined);
    await passwordHasher.close();
    process.exit(1);
  }

  const authService = createAuthService(ctx);
  const purgeSessions = () =>
    authService.purgeExpired().catch((error: unknown) => logger.warn({ err: error }, 'Purging expired sessions failed'));
  await purgeSessions();
  const purgeTimer = setInterval(purgeSessions, SESSION_PURGE_INTERVAL_MS);
  purgeTimer.unref();

  const app = createApp(ctx);
  const server: Server = app.listen(config.server.port, config.server.host, () => {
    logger.info(
      { host: config.server.host, port: config.server.port, frontend_url: config.misc.frontend_url },
      `Gatehouse listening on http://${config.server.host}:${config.server.port} (public address ${config.misc.frontend_url})`,
    );
  });
  server.on('error', (error) => {
    logger.fatal({ err: error }, `Gatehouse cannot listen on ${config.server.host}:${config.server.port}`);
    process.exit(1);
  });

  installShutdown(server, logger, async () => {
    clearInterval(purgeTimer);
    await db.close();
    await passwordHasher.close();
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
