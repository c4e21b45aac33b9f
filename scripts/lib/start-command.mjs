// `npm start`: install, build, write a first config.toml if there is none, then run the API.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ensureConfigFile } from './config-file.mjs';
import { exitOnSignals, formatSeconds } from './process.mjs';
import { REPO_ROOT, buildWorkspace, installDependencies } from './workspace.mjs';

const SERVER_ENTRY = path.join(REPO_ROOT, 'apps/api/dist/main.js');
const SIGNAL_NUMBERS = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };

async function runStep(title, action) {
  console.log(`\n=== ${title} ===`);
  const startedAt = performance.now();
  const isOk = await action();
  console.log(`--- ${isOk ? 'done' : 'FAILED'} (${formatSeconds(performance.now() - startedAt)})`);
  return isOk;
}

/** Resolves the exit code to leave with. */
export async function runStartCommand(serverArgs) {
  const removeSignalHandlers = exitOnSignals();
  if (!(await runStep('Install dependencies', installDependencies))) return 1;
  if (!(await runStep('Build', buildWorkspace))) return 1;
  if (!existsSync(SERVER_ENTRY)) {
    console.error(`The build did not produce ${SERVER_ENTRY}.`);
    return 1;
  }

  let configMessage;
  try {
    configMessage = ensureConfigFile(serverArgs);
  } catch (error) {
    console.error(`Could not create a config file: ${error.message}`);
    return 1;
  }
  if (configMessage) console.log(`\n${configMessage}\n`);

  removeSignalHandlers();
  console.log(`=== Starting Gatehouse: ${[`node apps/api/dist/main.js`, ...serverArgs].join(' ')} ===`);
  return runServer(serverArgs);
}

/**
 * Runs the server as if exec'd: same stdio and exit code. It gets its own process group so a
 * terminal Ctrl-C reaches it once (from us), not twice (a second SIGINT may mean "force quit").
 */
function runServer(serverArgs) {
  return new Promise((resolve) => {
    const server = spawn(process.execPath, [SERVER_ENTRY, ...serverArgs], {
      stdio: ['ignore', 'inherit', 'inherit'],
      detached: true,
    });
    const forward = (signal) => server.kill(signal);
    for (const signal of Object.keys(SIGNAL_NUMBERS)) process.on(signal, forward);
    const killOnExit = () => server.kill('SIGTERM');
    process.on('exit', killOnExit);
    server.on('error', (error) => {
      console.error(`Could not start the server: ${error.message}`);
      resolve(1);
    });
    server.on('exit', (code, signal) => {
      process.off('exit', killOnExit);
      resolve(code ?? 128 + (SIGNAL_NUMBERS[signal] ?? 9));
    });
  });
}
