// V8 settings for a small, steady footprint, imported first by main.ts and cli.ts (before anything
// compiles WebAssembly or allocates much). Each is a setting V8 reads while running, so no node
// command-line flags are needed (Docker, `npm start` and `node apps/api/dist/main.js` all get them).
// What each buys is measured by `pnpm bench` and stated in the README ("Memory").
import v8 from 'node:v8';

// Prisma's query compiler and PGlite's Postgres are WebAssembly. By default V8 also compiles their
// busy functions with its optimising compiler (TurboFan) in background threads, which holds tens of
// megabytes for code that gains nothing from it: Prisma compiles a query shape once and caches the
// plan, so the baseline compiler (Liftoff) serves as many requests per second.
v8.setFlagsFromString('--liftoff-only');

// After a full garbage collection V8 lets the old generation grow to up to 4x what is live before
// the next one; Gatehouse keeps little live, so under load the heap fills with garbage that stays
// resident. Growing by 25% keeps the footprint flat, and costs throughput on streams of small
// answers: full collections come every ~0.1 s under /auth/metadata load and --trace-gc shows the
// main thread 81-89% of its time in JavaScript (94-97% at 50-200%). Measured with `pnpm bench`:
// at 40% and 50% RSS after the mixed load reached 1.60-1.62x of idle, at 100% 1.74x (the target
// is < 1.6x), so the footprint wins here (README, "Measured").
v8.setFlagsFromString('--heap-growing-percent=25');
