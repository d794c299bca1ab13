import { defineProject } from 'vitest/config';
import { sourceAliases, testSetup } from '../../vitest.shared.js';

export default defineProject({
  resolve: { alias: sourceAliases },
  test: {
    setupFiles: [testSetup],
    name: 'scheduler',
    include: ['test/**/*.test.ts'],
    // Real child processes and workers: give slow machines room, never assert elapsed times.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
