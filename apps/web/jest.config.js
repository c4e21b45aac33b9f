// ESM TypeScript through ts-jest (transpile only; `pnpm typecheck` does the type checking).
// Unit tests cover the pure logic (API client, returnTo sanitiser); they run in node, with fetch
// and the cookie string injected, so no DOM is needed.
/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts', '.tsx'],
  roots: ['<rootDir>/src'],
  testMatch: ['**/*.test.ts'],
  moduleNameMapper: {
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  transform: {
    '^.+\\.tsx?$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }],
  },
  maxWorkers: 2,
};
