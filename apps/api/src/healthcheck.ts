/**
 * The container's HEALTHCHECK: asks this instance's liveness probe on loopback and exits 0 when
 * it answers 200, 1 otherwise (within 4 s). The port comes from the same config.toml and
 * environment as the server's. The probe answers at the root even under a sub-path frontend_url.
 */
import { apiPath } from '@gatehouse/shared';
import { loadConfig } from './config/index.js';

const TIMEOUT_MS = 4000;

async function check(): Promise<number> {
  const { config } = loadConfig({ argv: process.argv.slice(2), env: process.env, cwd: process.cwd() });
  const url = `http://127.0.0.1:${config.server.port}${apiPath('health')}`;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    return response.status === 200 ? 0 : 1;
  } catch {
    return 1;
  }
}

check().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`healthcheck: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
