// Summarises a V8 .cpuprofile (from `node --cpu-prof`): the functions with the most self time.
//   node bench/lib/top-frames.mjs <file.cpuprofile> [count]
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// window: { fromUs, toUs } on the monotonic clock (process.hrtime's, in microseconds), to count
// only the samples taken while the load ran, not the start-up's.
// byPackage: self time summed per npm package (or per apps/ file), a coarser view of where it goes.
export function summariseProfile(file, count = 25, { window, byPackage = false } = {}) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const nodesById = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map();
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i += 1) {
    at += profile.timeDeltas[i] ?? 0;
    if (window && (at < window.fromUs || at > window.toUs)) continue;
    const id = profile.samples[i];
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const byFrame = new Map();
  let totalUs = 0;
  for (const [id, us] of selfUs) {
    const { callFrame } = nodesById.get(id);
    const where = callFrame.url
      ? `${callFrame.url.replace(/^.*node_modules\/(\.pnpm\/[^/]+\/node_modules\/)?/, '').replace(/^file:\/\/.*\/apps\//, 'apps/')}:${callFrame.lineNumber + 1}`
      : '';
    const key = byPackage ? packageOf(callFrame.url, callFrame.functionName) : `${callFrame.functionName || '(anonymous)'} ${where}`.trim();
    byFrame.set(key, (byFrame.get(key) ?? 0) + us);
    totalUs += us;
  }
  return [...byFrame.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([frame, us]) => ({ frame, percent: (100 * us) / totalUs }));
}

function packageOf(url, functionName) {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const inModules = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (inModules) return inModules[1];
  if (url.startsWith('node:')) return url;
  return url.replace(/^file:\/\/.*\/apps\//, 'apps/');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const { frame, percent } of summariseProfile(process.argv[2], Number(process.argv[3] ?? 25))) {
    console.log(`${percent.toFixed(1).padStart(5)}%  ${frame}`);
  }
}
