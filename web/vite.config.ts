import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/**
 * The web page: Preact through esbuild's JSX (no Babel plugin needed), one hashed script and one
 * stylesheet under assets/, nothing inline, so the API can serve it with a strict CSP.
 */
export default defineConfig({
  root: here('.'),
  base: '/',
  publicDir: false,
  logLevel: 'warn',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: here('../dist/web'),
    emptyOutDir: true,
    target: 'es2022',
    // The polyfill would be an inline script; every browser this page targets preloads modules natively.
    modulePreload: { polyfill: false },
    // data: URIs would make assets part of the script; files keep the CSP simple.
    assetsInlineLimit: 0,
    reportCompressedSize: false,
  },
});
