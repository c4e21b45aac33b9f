// The JavaScript a browser downloads to show the sign-in page: the module scripts and module
// preloads that the built index.html names, each gzipped as a server would send it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

export function measureSignInPageJs(webDistDir) {
  const html = readFileSync(path.join(webDistDir, 'index.html'), 'utf8');
  const files = new Set();
  for (const match of html.matchAll(/<script[^>]*\bsrc="([^"]+\.js)"/g)) files.add(match[1]);
  for (const match of html.matchAll(/<link[^>]*rel="modulepreload"[^>]*href="([^"]+\.js)"/g)) files.add(match[1]);
  if (files.size === 0) throw new Error(`no script in ${webDistDir}/index.html`);
  let rawBytes = 0;
  let gzipBytes = 0;
  for (const file of files) {
    const content = readFileSync(path.join(webDistDir, file.replace(/^\//, '')));
    rawBytes += content.length;
    gzipBytes += gzipSync(content, { level: 9 }).length;
  }
  return { files: [...files], rawKb: rawBytes / 1024, gzipKb: gzipBytes / 1024 };
}
