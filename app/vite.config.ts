import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/** The standalone shell. Configured by MEDPLUM_* environment variables (see README). */
export default defineConfig({
  root: 'app/standalone',
  envPrefix: ['VITE_', 'MEDPLUM_'],
  plugins: [react()],
  // Pre-bundled at start: imported only by the QR reader's worker, discovered when staff open the
  // scanner, it would otherwise make the dev server re-optimize and reload the page mid-scan.
  optimizeDeps: { include: ['zxing-wasm/reader'] },
  // Mantine's stylesheets use media queries lightningcss refuses; esbuild minifies them.
  build: { outDir: '../../dist/app', emptyOutDir: true, cssMinify: 'esbuild' },
});
