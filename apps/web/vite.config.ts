import { defineConfig } from 'vite';

// Vite 8 transforms TSX with Oxc; the automatic runtime imports react/jsx-runtime itself, so no
// React plugin is needed (we do without Fast Refresh: edits reload the page).
export default defineConfig({
  // Asset URLs relative to index.html's <base href>, which the server sets to frontend_url's
  // sub-path ("/auth/"), so one build serves at the root or under any sub-path.
  base: './',
  oxc: {
    jsx: { runtime: 'automatic', importSource: 'react' },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    // dist/.vite/manifest.json: scripts/bundle-size.mjs reads it to measure the sign-in page's JavaScript.
    manifest: true,
    rolldownOptions: {
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
});
