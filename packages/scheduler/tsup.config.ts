import { defineConfig } from 'tsup';

export default defineConfig({
  // The worker bootstrap is its own file: workers load it by URL next to index.js.
  entry: ['src/index.ts', 'src/worker-entry.ts'],
  format: ['esm'],
  dts: { entry: 'src/index.ts' },
  sourcemap: true,
  clean: true,
  target: 'node20',
});
