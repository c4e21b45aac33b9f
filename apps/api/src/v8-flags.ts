// V8 settings for a small, steady footprint, imported first by main.ts and cli.ts (before anything
// compiles WebAssembly or allocates much). Figures measured on Postgres with bench/run.mjs and
// /proc/<pid>/status; each is a setting V8 reads while running, so no node command-line flags are
// needed (Docker, `npm start` and `node apps/api/dist/main.js` all get them).
import v8 from 'node:v8';

// Prisma's query compiler and PGlite's Postgres are WebAssembly. By default V8 also compiles their
// busy functions with its optimising compiler (TurboFan) in background threads; that alone held
// ~50 MB at start (malloc peak 68 -> 16 MB; idle RSS ~180 -> ~120 MB). The baseline compiler
// (Liftoff) loses nothing measurable here: Prisma compiles a query shape once and caches the plan,
// and session checks on PGlite answered as many requests per second.
v8.setFlagsFromString('--liftoff-only');

// After a full garbage collection V8 lets the old generation grow to up to 4x what is live before
// the next one, and Gatehouse keeps ~30 MB live: under load the heap filled with ~100 MB of garbage
// that stayed resident (RSS 110 -> 240 MB after 15 s of session checks). Growing by 25% collects
// more often and keeps it at ~160 MB, with no fewer requests per second measured.
v8.setFlagsFromString('--heap-growing-percent=25');
