// The "never" arrows of ARCHITECTURE.md, checked in the lint step of `npm test` (`pnpm lint`).
// A rule here is a rule the code keeps today; a wrong import fails CI with the rule's name.
const API = '^apps/api/src/';
const TEST = '(\\.test\\.tsx?$|/test-support/)';
const FEATURES = '(auth|oidc|users|password-reset|forward-auth|audit|rate-limit|system)';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'shared-imports-no-app',
      comment: 'packages/shared is the contract both apps build on: it imports nothing from apps/, e2e/, bench/ or scripts/.',
      severity: 'error',
      from: { path: '^packages/shared/' },
      to: { path: '^(apps|e2e|bench|scripts)/' },
    },
    {
      name: 'web-never-imports-api',
      comment: 'apps/web talks to apps/api over HTTP, through the contract in packages/shared only.',
      severity: 'error',
      from: { path: '^apps/web/' },
      to: { path: '^apps/api/' },
    },
    {
      name: 'api-never-imports-web',
      comment: 'apps/api serves the built web app as files; it never imports its code.',
      severity: 'error',
      from: { path: '^apps/api/' },
      to: { path: '^apps/web/' },
    },
    {
      name: 'parts-never-import-composition',
      comment: 'Only the composition roots (main.ts, cli.ts, cli/, app.ts) put the parts together; no part imports them.',
      severity: 'error',
      from: { path: `${API}(${FEATURES}|config|db|http|mail|metrics|openapi)/`, pathNot: TEST },
      to: { path: `${API}((app|main|cli)\\.ts$|cli/)` },
    },
    {
      name: 'config-is-a-leaf',
      comment: 'config/ (locate, parse, check, build) depends on no other part of the API.',
      severity: 'error',
      from: { path: `${API}config/`, pathNot: TEST },
      // ajv.ts is the one configured ajv (a leaf itself), shared with the request validators.
      to: { path: API, pathNot: `${API}(config/|ajv\\.ts$)` },
    },
    {
      name: 'db-needs-only-config',
      comment:
        'db/ (Prisma client, migrations) knows the config, its generated client and the logger; not the features. ' +
        "repositories.ts is the exception: the registry of every table's owning repository (and withTransaction).",
      severity: 'error',
      from: { path: `${API}db/`, pathNot: `${TEST}|${API}db/repositories\\.ts$` },
      to: { path: API, pathNot: `${API}((db|config|generated)/|logger\\.ts$)` },
    },
    {
      name: 'http-knows-only-auth',
      comment: 'http/ (route mounting, errors, guards) may ask auth/ who is signed in; it never reaches into the other features.',
      severity: 'error',
      from: { path: `${API}http/`, pathNot: TEST },
      to: { path: `${API}(oidc|users|password-reset|second-factor|api-keys|forward-auth|audit|rate-limit|system)/` },
    },
    {
      name: 'no-test-support-in-production',
      comment: 'Code that ships never imports test helpers.',
      severity: 'error',
      from: { path: '^(apps|packages)/[^/]+/src/', pathNot: TEST },
      to: { path: '/test-support/' },
    },
    {
      name: 'e2e-uses-the-build',
      comment: 'The browser tests run the built server: they import apps/api only from its dist/, never its sources.',
      severity: 'error',
      from: { path: '^e2e/' },
      to: { path: '^apps/api/src/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist|generated)/' },
    tsPreCompilationDeps: true,
    combinedDependencies: false,
    enhancedResolveOptions: { extensions: ['.ts', '.tsx', '.mts', '.mjs', '.js'] },
  },
};
