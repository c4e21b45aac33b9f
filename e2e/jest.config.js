// Browser and whole-system tests: ESM TypeScript through ts-jest (transpile only; `pnpm typecheck`
// type-checks). They drive the built server (apps/api/dist) and SPA (apps/web/dist), so build first
// (`npm test` does). One worker: each test starts Chromium and a server, and CI has two cores.
/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.e2e.test.ts'],
  moduleNameMapper: {
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }],
  },
  testTimeout: 60000,
  maxWorkers: 1,
};
