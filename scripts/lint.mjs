#!/usr/bin/env node
// `pnpm lint`: the same checks as the lint step of `npm test` (ESLint, Prettier, knip, jscpd,
// dependency-cruiser), on an installed and built workspace. Exit code 0 only if all pass.
import { runLintChecks } from './lib/lint.mjs';

const { passed, failed } = await runLintChecks();
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
