import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

// Two single-page apps in one build: the public portal (index.html) and the staff console
// (console/index.html). The output is checked in and embedded into the Rust runner, so it must
// be reproducible: content-hashed names, no timestamps, no source maps.
export default defineConfig({
  base: '/',
  root: here('.'),
  publicDir: false,
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    target: 'es2022',
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    rollupOptions: {
      input: {
        portal: here('./index.html'),
        console: here('./console/index.html'),
      },
      output: {
        // The code both apps share is one chunk (and one stylesheet) named "shared".
        chunkFileNames: 'assets/shared-[hash].js',
        assetFileNames: (asset) => (asset.names?.some((n) => n.endsWith('.css')) ? 'assets/shared-[hash][extname]' : 'assets/[name]-[hash][extname]'),
      },
    },
  },
});
