import { defineProject } from 'vitest/config';
import { testSetup } from '../../vitest.shared.js';

// Real npm installs from the registry. Tests mostly wait on a pool of 2 installs, so all of
// them may start at once (maxConcurrency); the pool, not vitest, bounds the load.
export default defineProject({
  test: {
    setupFiles: [testSetup],
    name: 'install-test',
    include: ['test/**/*.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 120_000,
    maxConcurrency: 32,
  },
});
