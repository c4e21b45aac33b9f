// A throwaway PostgreSQL cluster for the integration tests: initdb into a temp directory, start on a
// free 127.0.0.1 port with durability off (it is thrown away), stop and delete it afterwards.
// It is also stopped when this process exits or is interrupted, so no server is ever left running.
import { spawnSync } from 'node:child_process';
import { accessSync, chownSync, constants, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { findFreePort } from './free-port.mjs';
import os from 'node:os';
import path from 'node:path';

const START_ATTEMPTS = 3;

function isExecutable(file) {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The directory holding initdb and pg_ctl: from PATH, else the newest /usr/lib/postgresql/<n>/bin
 * (Debian keeps them off PATH). Null when there is none.
 */
export function findPostgresBinDir() {
  for (const directory of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    if (isExecutable(path.join(directory, 'initdb')) && isExecutable(path.join(directory, 'pg_ctl'))) return directory;
  }
  const debianRoot = '/usr/lib/postgresql';
  if (!existsSync(debianRoot)) return null;
  const versions = readdirSync(debianRoot)
    .filter((name) => /^\d+(\.\d+)?$/.test(name))
    .sort((a, b) => Number(b) - Number(a));
  for (const version of versions) {
    const directory = path.join(debianRoot, version, 'bin');
    if (isExecutable(path.join(directory, 'initdb')) && isExecutable(path.join(directory, 'pg_ctl'))) return directory;
  }
  return null;
}

function lookUpPostgresUser() {
  const uid = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) {
    throw new Error('running as root, but there is no "postgres" user to run initdb as (initdb refuses to run as root)');
  }
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/**
 * Starts a cluster and resolves { url, port, directory, stop(), pause(), resume() }. `url` is a
 * superuser URL for the `postgres` database; `stop()` is idempotent and synchronous and deletes
 * the cluster. `pause()` shuts the server down (fast mode: connections are cut) and `resume()`
 * starts it again on the same port with its data, for tests of a database outage.
 */
export async function startPostgresCluster({ binDir = findPostgresBinDir() } = {}) {
  if (!binDir) throw new Error('no PostgreSQL server binaries (initdb, pg_ctl) on PATH or in /usr/lib/postgresql/*/bin');
  const isRoot = process.getuid?.() === 0;
  const owner = isRoot ? lookUpPostgresUser() : null;

  const directory = mkdtempSync(path.join(os.tmpdir(), 'gatehouse-pg-'));
  if (owner) chownSync(directory, owner.uid, owner.gid);
  const dataDir = path.join(directory, 'data');
  const logFile = path.join(directory, 'postgres.log');

  const runAsOwner = (binary, args) => {
    const [command, commandArgs] = isRoot
      ? ['runuser', ['-u', 'postgres', '--', path.join(binDir, binary), ...args]]
      : [path.join(binDir, binary), args];
    // cwd: the postgres user may not be able to read the caller's working directory.
    return spawnSync(command, commandArgs, { cwd: directory, encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
  };

  let isStopped = false;
  let isStarted = false;
  const stop = () => {
    if (isStopped) return;
    isStopped = true;
    process.off('exit', stop);
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.off(signal, stopOnSignal);
    if (isStarted) {
      const result = runAsOwner('pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', '-t', '30', 'stop']);
      if (result.status !== 0) process.stderr.write(`pg_ctl stop: ${result.stderr || result.stdout}`);
    }
    rmSync(directory, { recursive: true, force: true });
  };
  // Stop first; then, if nothing else handles the signal, die of it as we would have.
  function stopOnSignal(signal) {
    stop();
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  }
  process.on('exit', stop);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, stopOnSignal);

  try {
    const init = runAsOwner('initdb', ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale=C']);
    if (init.status !== 0) throw new Error(`initdb failed:\n${init.stderr || init.stdout || init.error?.message}`);

    for (let attempt = 1; ; attempt += 1) {
      const port = await findFreePort();
      const serverOptions = [
        `-h 127.0.0.1 -p ${port} -k ${directory} -F`,
        '-c fsync=off -c full_page_writes=off -c synchronous_commit=off -c max_connections=200',
      ].join(' ');
      const start = runAsOwner('pg_ctl', ['-D', dataDir, '-l', logFile, '-w', '-t', '60', '-o', serverOptions, 'start']);
      if (start.status === 0) {
        isStarted = true;
        const pause = () => {
          const result = runAsOwner('pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', '-t', '30', 'stop']);
          if (result.status !== 0) throw new Error(`pg_ctl stop failed:\n${result.stderr || result.stdout}`);
          isStarted = false;
        };
        const resume = () => {
          const result = runAsOwner('pg_ctl', ['-D', dataDir, '-l', logFile, '-w', '-t', '60', '-o', serverOptions, 'start']);
          if (result.status !== 0) throw new Error(`pg_ctl start failed:\n${result.stderr || result.stdout}`);
          isStarted = true;
        };
        return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, port, directory, stop, pause, resume };
      }
      // Another process may have taken the port between our probe and the server's bind.
      if (attempt >= START_ATTEMPTS) {
        const log = existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-2000) : '';
        throw new Error(`pg_ctl start failed:\n${start.stderr || start.stdout}\n${log}`);
      }
    }
  } catch (error) {
    // pg_ctl -w may have given up on a server that is still coming up: make sure it is gone.
    isStarted = existsSync(path.join(dataDir, 'postmaster.pid'));
    stop();
    throw error;
  }
}
