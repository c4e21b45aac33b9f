// The pnpm workspace as the gatehouse script sees it: where it is, which packages it has, and
// whether node_modules still matches the lockfile.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runPnpm } from './process.mjs';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const INSTALL_STAMP = path.join(REPO_ROOT, 'node_modules', '.gatehouse-install-stamp');
// Guards against a hung step in CI; a cold install or full build takes about a minute.
const STEP_TIMEOUT_MS = 15 * 60_000;

/** Package directories (absolute) named by pnpm-workspace.yaml; supports `dir` and `dir/*`. */
export function listWorkspacePackages() {
  const yaml = readFileSync(path.join(REPO_ROOT, 'pnpm-workspace.yaml'), 'utf8');
  const patterns = [];
  let isInPackages = false;
  for (const line of yaml.split('\n')) {
    if (/^packages:\s*$/.test(line)) {
      isInPackages = true;
    } else if (isInPackages && /^\s+-\s/.test(line)) {
      patterns.push(
        line
          .replace(/^\s+-\s+/, '')
          .replace(/\s+#.*$/, '')
          .replace(/^["']|["']$/g, ''),
      );
    } else if (isInPackages && /^\S/.test(line)) {
      isInPackages = false;
    }
  }
  const directories = patterns.flatMap((pattern) => {
    if (!pattern.endsWith('/*')) return [path.join(REPO_ROOT, pattern)];
    const parent = path.join(REPO_ROOT, pattern.slice(0, -2));
    if (!existsSync(parent)) return [];
    return readdirSync(parent, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => path.join(parent, entry.name));
  });
  return directories
    .filter((directory) => existsSync(path.join(directory, 'package.json')))
    .map((directory) => ({
      directory,
      relativePath: path.relative(REPO_ROOT, directory),
      manifest: JSON.parse(readFileSync(path.join(directory, 'package.json'), 'utf8')),
    }))
    .sort((a, b) => a.relativePath.localeCompare(b.relativePath));
}

/** What an install depends on: the lockfile and the workspace settings. */
function computeInstallFingerprint() {
  const hash = createHash('sha256');
  for (const file of ['pnpm-lock.yaml', 'pnpm-workspace.yaml', '.npmrc']) {
    const filePath = path.join(REPO_ROOT, file);
    hash.update(`${file}\0${existsSync(filePath) ? readFileSync(filePath) : ''}\0`);
  }
  return hash.digest('hex');
}

function isInstallCurrent(fingerprint) {
  if (!existsSync(INSTALL_STAMP) || readFileSync(INSTALL_STAMP, 'utf8').trim() !== fingerprint) return false;
  // A package whose node_modules was deleted needs an install even if the lockfile did not change.
  return listWorkspacePackages().every(({ directory, manifest }) => {
    const hasDependencies = Object.keys(manifest.dependencies ?? {}).length + Object.keys(manifest.devDependencies ?? {}).length > 0;
    return !hasDependencies || existsSync(path.join(directory, 'node_modules'));
  });
}

/** `pnpm install --frozen-lockfile` unless node_modules already matches. Resolves true on success. */
export async function installDependencies() {
  const fingerprint = computeInstallFingerprint();
  if (isInstallCurrent(fingerprint)) {
    console.log('node_modules matches pnpm-lock.yaml; install skipped.');
    return true;
  }
  const { code } = await runPnpm(['install', '--frozen-lockfile'], { cwd: REPO_ROOT, timeoutMs: STEP_TIMEOUT_MS });
  if (code !== 0) return false;
  writeFileSync(INSTALL_STAMP, `${fingerprint}\n`);
  return true;
}

export async function buildWorkspace() {
  const { code } = await runPnpm(['run', 'build'], { cwd: REPO_ROOT, timeoutMs: STEP_TIMEOUT_MS });
  return code === 0;
}

export async function typecheckWorkspace() {
  const { code } = await runPnpm(['run', 'typecheck'], { cwd: REPO_ROOT, timeoutMs: STEP_TIMEOUT_MS });
  return code === 0;
}
