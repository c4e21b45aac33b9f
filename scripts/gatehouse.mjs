#!/usr/bin/env node
// The README's two commands. Plain Node (>= 20), no dependencies: it runs before anything is
// installed, and pnpm comes through npx because a fresh machine has only node and npm.
import { exitOnSignals } from './lib/process.mjs';

const HELP = `Usage: node scripts/gatehouse.mjs <command> [args]

Commands:
  start [-- server args]   Install dependencies (npx pnpm, skipped when node_modules matches
                           pnpm-lock.yaml), build everything, create ./config.toml from
                           config.example.toml with a random token_secret if no config file
                           exists, then run the server (node apps/api/dist/main.js [args]).
                           npm start -- --config /etc/gatehouse/config.toml
  test                     Install, build, typecheck, lint (ESLint, Prettier, knip, jscpd,
                           dependency-cruiser; also pnpm lint), then run:
                             1. every package's jest tests on the embedded database (PGlite)
                             2. the API's *.int.test.ts on a throwaway PostgreSQL cluster
                             3. the browser tests in e2e/ (Chromium)
                           Ends with the line "N passed, N failed"; exit code 0 only if all passed.

Config file lookup (as the server does it): --config <file>, $CONFIG_FILE,
$CONFIG_DIR/config.toml, ./config.toml.

Environment:
  GATEHOUSE_ADMIN_EMAIL   start: put this address in admin_emails of a newly created config.toml
  CHROMIUM_PATH           test: the browser to drive (default /usr/bin/chromium)
  CI                      test: a missing PostgreSQL or Chromium fails the run instead of a notice
`;

async function main(argv) {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(HELP);
    return command ? 0 : 1;
  }
  if (command === 'start') {
    if (rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write(HELP);
      return 0;
    }
    const { runStartCommand } = await import('./lib/start-command.mjs');
    // npm passes `npm start -- --x` as `--x`; tolerate a literal `--` too.
    return runStartCommand(rest[0] === '--' ? rest.slice(1) : rest);
  }
  if (command === 'test') {
    if (rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write(HELP);
      return 0;
    }
    if (rest.length > 0) {
      console.error(`test takes no arguments (got: ${rest.join(' ')})`);
      return 1;
    }
    exitOnSignals();
    const { runTestCommand } = await import('./lib/test-command.mjs');
    return runTestCommand();
  }
  console.error(`Unknown command "${command}".\n`);
  process.stderr.write(HELP);
  return 1;
}

process.exitCode = await main(process.argv.slice(2));
