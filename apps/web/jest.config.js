// ESM TypeScript through ts-jest (transpile only; `pnpm typecheck` does the type checking).
// Unit tests of the pure logic (API client, returnTo sanitiser) run in node, with fetch and the
// cookie string injected. Component tests (*.test.tsx) say `@jest-environment jsdom` in their first
// comment and render pages with @testing-library/react (src/test-support/render-page.tsx).
/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts', '.tsx'],
  roots: ['<rootDir>/src'],
  testMatch: ['**/*.test.ts', '**/*.test.tsx'],
  setupFiles: ['<rootDir>/src/test-support/jsdom-globals.ts'],
  moduleNameMapper: {
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  transform: {
    '^.+\\.tsx?$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }],
  },
  // Component tests render whole pages in jsdom; role queries over a 25-row table are slow on two busy cores.
  testTimeout: 30000,
  maxWorkers: 2,
};
