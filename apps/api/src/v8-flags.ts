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
// resident. Growing by 25% keeps the footprint flat (README, "Memory"). It costs little now that
// a request's objects die young (see the next flag and http/server.ts): under a stream of
// /auth/metadata answers V8 made no full collection in 5 s; when request objects still reached the
// old generation it made one every ~0.1 s.
v8.setFlagsFromString('--heap-growing-percent=25');

// V8 may decide that the objects made at one place in the code live long and from then on make
// them directly in the old generation ("pretenuring"). A request's objects are all garbage within
// a millisecond, yet in 3 of 18 starts the server fell into a state where ~300 MB of them in 5 s of
// /auth/metadata load survived the minor collections, forcing 36-46 full ones (none in the other
// 15). Pretenured objects pointing into the young generation keep what they point to alive through
// minor collections, which fits; that is inferred from these figures, not traced inside V8. With
// pretenuring off, 18 starts of 18 ran that load without a full collection.
v8.setFlagsFromString('--no-allocation-site-pretenuring');
