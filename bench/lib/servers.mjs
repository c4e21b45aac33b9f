// Child processes for the servers under test: each runs alone in its own process, so its memory
// can be read from /proc and the load generator in this process does not share its event loop.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { HEAP_LINE_PREFIX } from './heap-probe.mjs';
export { findFreePort } from '../../scripts/lib/free-port.mjs';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Node flags that load heap-probe.mjs: put them before the script in `args`. */
export const HEAP_PROBE_FLAGS = ['--expose-gc', '--import', fileURLToPath(new URL('./heap-probe.mjs', import.meta.url))];

/** Resident set size of a process in MB, from /proc (Linux). */
export function readRssMb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!match) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]) / 1024;
}

/**
 * Spawns `node <args>` and resolves once `readyUrl` answers 200 (polled every 5 ms), with the time
 * from spawn to that first 200. Output is kept for the error message if it never gets ready.
 */
export async function startServer({ args, env = {}, cwd, readyUrl, timeoutMs = 60_000, label }) {
  const startedAt = performance.now();
  const child = spawn(process.execPath, args, {
    cwd,
    env: { ...process.env, NODE_ENV: 'production', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk) => {
    output = (output + chunk).slice(-4000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let stdoutLines = '';
  const heapWaiters = [];
  child.stdout.on('data', (chunk) => {
    stdoutLines += chunk;
    const lines = stdoutLines.split('\n');
    stdoutLines = lines.pop();
    for (const line of lines) if (line.startsWith(HEAP_LINE_PREFIX)) heapWaiters.shift()?.(JSON.parse(line.slice(HEAP_LINE_PREFIX.length)));
  });
  /** With HEAP_PROBE_FLAGS: a forced full GC in the server, then its { heapUsed, rss } in MB. */
  const heapAfterGc = () =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${label} printed no heap figure (started without HEAP_PROBE_FLAGS?)`)), 10_000);
      heapWaiters.push(({ heapUsed, rss }) => {
        clearTimeout(timer);
        resolve({ heapUsedMb: heapUsed / 2 ** 20, rssMb: rss / 2 ** 20 });
      });
      child.kill('SIGUSR2');
    });
  let exitCode = null;
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve((exitCode = code ?? signal))));
  const stop = async () => {
    if (exitCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  for (;;) {
    if (exitCode !== null) throw new Error(`${label} exited (${exitCode}) before it was ready:\n${output}`);
    if (performance.now() - startedAt > timeoutMs) {
      await stop();
      throw new Error(`${label} was not ready within ${timeoutMs} ms:\n${output}`);
    }
    try {
      const res = await fetch(readyUrl);
      await res.arrayBuffer();
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    await sleep(5);
  }
  const readyMs = performance.now() - startedAt;
  return { child, pid: child.pid, readyMs, stop, rssMb: () => readRssMb(child.pid), heapAfterGc, output: () => output };
}
