import { createRequire } from 'node:module';
import path from 'node:path';
import { defineConfig } from 'vite';

/**
 * react-router (under react-router-dom) exports only its development build to bundlers: the same
 * API plus development-only warnings and checks. Its production build ships beside it; production
 * bundles use that one (the dev server keeps the warnings).
 */
function reactRouterProductionBuild(): string {
  const fromDom = createRequire(createRequire(import.meta.url).resolve('react-router-dom'));
  return path.join(path.dirname(fromDom.resolve('react-router/package.json')), 'dist/production/index.mjs');
}

// Vite 8 transforms TSX with Oxc; the automatic runtime imports react/jsx-runtime itself, so no
// React plugin is needed (we do without Fast Refresh: edits reload the page).
export default defineConfig(({ command }) => ({
  // Asset URLs relative to index.html's <base href>, which the server sets to frontend_url's
  // sub-path ("/auth/"), so one build serves at the root or under any sub-path.
  base: './',
  resolve: {
    alias: command === 'build' ? [{ find: /^react-router$/, replacement: reactRouterProductionBuild() }] : [],
  },
  oxc: {
    jsx: { runtime: 'automatic', importSource: 'react' },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    // dist/.vite/manifest.json: scripts/bundle-size.mjs reads it to measure the sign-in page's JavaScript.
    manifest: true,
    // No modulepreload polyfill (0.2 KB of the sign-in page's budget): the few browsers without
    // modulepreload (Safari before 17, Firefox before 115) still load every script, as an import,
    // only not ahead of time.
    modulePreload: { polyfill: false },
    rolldownOptions: {
      // @simplewebauthn/browser has no side effects on import but does not say so. Said here, a
      // chunk that imports one of its functions through its index carries that function alone:
      // the sign-in page its request half, the account page its creation half.
      treeshake: { moduleSideEffects: [{ test: /[\\/]@simplewebauthn[\\/]browser[\\/]/, sideEffects: false }] },
      output: {
        // The libraries in one chunk: it changes only when they do (the browser keeps it across
        // Gatehouse updates of the app's own code), and one gzip stream compresses better than the
        // several common chunks automatic splitting would make. Not the libraries only some pages
        // use, since a group captures a module into its chunk whatever imports it: the QR encoder
        // loads only for setting up an authenticator app, and the WebAuthn library's parts go with
        // the pages that use them. Nor the shared contract: it changes with
        // the app, and each of its modules goes with the pages that use it (packages/shared says it
        // has no side effects, so importing one name through its index does not bring the rest).
        codeSplitting: {
          groups: [{ name: 'vendor', test: (id) => /node_modules/.test(id) && !/[\\/](uqr|@simplewebauthn)[\\/]/.test(id) }],
        },
      },
      onwarn(warning, defaultHandler) {
        // React libraries mark modules "use client" for server components; meaningless in an SPA.
        if (warning.code === 'MODULE_LEVEL_DIRECTIVE' && warning.message.includes('use client')) return;
        defaultHandler(warning);
      },
    },
  },
  server: {
    proxy: {
      // Same-origin in production (the API serves this bundle); in dev, forward to the API.
      '/api': { target: 'http://127.0.0.1:8000', changeOrigin: false },
    },
  },
}));
