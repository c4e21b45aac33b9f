// Lists what `docker build .` would send as its build context: every file under the repository
// root that .dockerignore does not exclude, matched by Docker's own rules (@balena/dockerignore is
// a port of Docker's matcher). There is no Docker engine here to ask, so this is how the
// .dockerignore is checked: `node scripts/docker-context.mjs [dir]` prints one path per line.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import createIgnore from '@balena/dockerignore';

/** Build-context paths (POSIX, relative to `root`) that .dockerignore keeps, sorted. */
export function listBuildContext(root) {
  const ignoreFile = path.join(root, '.dockerignore');
  const patterns = existsSync(ignoreFile) ? readFileSync(ignoreFile, 'utf8') : '';
  const matcher = createIgnore().add(patterns);
  // Docker re-includes a path under an excluded directory when a `!` pattern names it, so only
  // directories no exception reaches into can be skipped without walking them.
  const exceptions = patterns
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('!'))
    .map((line) => line.slice(1).replace(/^\/+/, ''));
  const canSkip = (dir) => matcher.ignores(dir) && !exceptions.some((pattern) => pattern.startsWith(`${dir}/`) || pattern.startsWith('**'));
  const kept = [];
  const walk = (dir) => {
    for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const relative = dir === '' ? entry.name : `${dir}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!canSkip(relative)) walk(relative);
      } else if (!matcher.ignores(relative)) {
        kept.push(relative);
      }
    }
  };
  walk('');
  return kept.sort();
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = path.resolve(process.argv[2] ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..'));
  process.stdout.write(`${listBuildContext(root).join('\n')}\n`);
}
