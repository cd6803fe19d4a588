import { defineConfig } from 'vite';

// Served by the sync server under /demo (src/http/routes/demo.ts); `vite dev` proxies the API there.
export default defineConfig({
  base: '/demo/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 8000,
    // BlockSuite's dependency injection keys services by class name (global/di parseIdentifier):
    // a minifier that renames or drops class names breaks the editor at start-up.
    rolldownOptions: { output: { keepNames: true } },
  },
  server: {
    proxy: {
      '/api': process.env.DEMO_API ?? 'http://127.0.0.1:3000',
      '/collab': { target: (process.env.DEMO_API ?? 'http://127.0.0.1:3000').replace(/^http/, 'ws'), ws: true },
    },
  },
});
