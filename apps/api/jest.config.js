// ESM TypeScript through ts-jest (transpile only; `pnpm typecheck` does the type checking).
// Tests named *.int.test.ts use a real database: PGlite by default, or the Postgres server named
// by GATEHOUSE_TEST_POSTGRES_URL (the test runner sets it after starting a throwaway cluster).
/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  roots: ['<rootDir>/src'],
  testMatch: ['**/*.test.ts'],
  moduleNameMapper: {
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }],
  },
  testTimeout: 30000,
  maxWorkers: 2,
};
