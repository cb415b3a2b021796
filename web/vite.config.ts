import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const root = fileURLToPath(new URL('.', import.meta.url));

/** Builds the portal into web/dist, which the Gantry server serves at `/` with an SPA fallback. */
export const portalConfig = defineConfig({
  root,
  base: '/',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('./dist', import.meta.url)),
    emptyOutDir: true,
    sourcemap: true,
  },
  server: {
    // `vite --config web/vite.config.ts` during development, next to `gantry up` on its default port.
    proxy: { '/api': process.env.GANTRY_URL ?? 'http://127.0.0.1:7007' },
  },
});

// Vite loads a config file through its default export; this is the one place the project needs one.
export default portalConfig;
