import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The UI is served by `crosslink serve` from the binary (embedded dist/). `npm run dev` proxies
// the API to a running `crosslink serve` on :8080.
export default defineConfig({
  plugins: [react()],
  base: '/',
  build: { outDir: 'static/app', emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 1500 },
  server: { proxy: { '/graphql': 'http://127.0.0.1:8080' } },
  test: { environment: 'jsdom', include: ['src/**/*.test.{ts,tsx}'] },
});
