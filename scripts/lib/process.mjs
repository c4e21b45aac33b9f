// Child processes for the gatehouse script: run a command with inherited output, pass our signals
// on to it, and stop it when it runs too long.
import { spawn } from 'node:child_process';

export const PNPM_SPEC = 'pnpm@10.34.8';

/** The child now running in the foreground, so a signal sent to us reaches it too. */
let foregroundChild = null;

/**
 * Runs a command with stdout/stderr inherited. Resolves { code, signal, isTimedOut } and never
 * rejects for a non-zero exit (a missing executable resolves code 127).
 */
export function runCommand(command, args, { cwd, env, timeoutMs } = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'inherit', 'inherit'] });
    foregroundChild = child;
    let isTimedOut = false;
    let killTimer = null;
    const timeoutTimer = timeoutMs
      ? setTimeout(() => {
          isTimedOut = true;
          process.stderr.write(`\n!! ${command} ran longer than ${Math.round(timeoutMs / 1000)} s; stopping it\n`);
          child.kill('SIGTERM');
          killTimer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        }, timeoutMs)
      : null;
    const finish = (result) => {
      clearTimeout(timeoutTimer);
      clearTimeout(killTimer);
      if (foregroundChild === child) foregroundChild = null;
      resolve({ ...result, isTimedOut });
    };
    child.on('error', (error) => {
      process.stderr.write(`!! could not start ${command}: ${error.message}\n`);
      finish({ code: 127, signal: null });
    });
    child.on('exit', (code, signal) => finish({ code, signal }));
  });
}

/**
 * Environment for `npx -y pnpm@…`: npm's own warnings about pnpm-only .npmrc keys are noise here,
 * and pnpm gets its log level back through --loglevel (it also reads npm_config_loglevel).
 */
function pnpmEnv(env = process.env) {
  return {
    ...env,
    npm_config_loglevel: 'error',
    npm_config_update_notifier: 'false',
    TURBO_TELEMETRY_DISABLED: env.TURBO_TELEMETRY_DISABLED ?? '1',
  };
}

export function runPnpm(args, { cwd, env, timeoutMs } = {}) {
  return runCommand('npx', ['-y', PNPM_SPEC, '--loglevel=info', ...args], {
    cwd,
    env: pnpmEnv(env),
    timeoutMs,
  });
}

/**
 * On SIGINT/SIGTERM/SIGHUP: pass the signal to the foreground child, let it exit, then exit with
 * 128 + signal number. (Other modules, e.g. the Postgres cluster, clean up on 'exit'.)
 * Returns a function that removes the handlers again.
 */
export function exitOnSignals() {
  const numbers = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };
  const handlers = Object.entries(numbers).map(([signal, number]) => {
    const handler = () => {
      process.stderr.write(`\n!! ${signal}: stopping\n`);
      const child = foregroundChild;
      if (!child || child.exitCode !== null || child.signalCode !== null) process.exit(128 + number);
      child.kill(signal);
      const forceTimer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.once('exit', () => {
        clearTimeout(forceTimer);
        process.exit(128 + number);
      });
    };
    process.on(signal, handler);
    return [signal, handler];
  });
  return () => {
    for (const [signal, handler] of handlers) process.off(signal, handler);
  };
}

export function formatSeconds(ms) {
  return `${(ms / 1000).toFixed(1)} s`;
}
