// Preloaded (`node --expose-gc --import bench/lib/heap-probe.mjs …`) into the Gatehouse processes
// `pnpm bench` and `npm run test:soak` start, and into no other: on SIGUSR2 it runs a full garbage
// collection and prints the memory that is left, one line the bench waits for. The figure tells a
// leak (heapUsed after a forced GC keeps growing from one load period to the next) from a warm
// heap (V8 keeps the pages it grew, so RSS alone cannot tell them apart).
export const HEAP_LINE_PREFIX = '@@gatehouse-bench-heap ';

if (typeof globalThis.gc === 'function') {
  process.on('SIGUSR2', () => {
    globalThis.gc();
    const { heapUsed, rss } = process.memoryUsage();
    process.stdout.write(`\n${HEAP_LINE_PREFIX}${JSON.stringify({ heapUsed, rss })}\n`);
  });
}
