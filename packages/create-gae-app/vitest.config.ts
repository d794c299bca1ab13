import { defineProject } from 'vitest/config';
import { sourceAliases, testSetup } from '../../vitest.shared.js';

export default defineProject({
  resolve: { alias: sourceAliases },
  test: {
    setupFiles: [testSetup],
    name: 'create-gae-app',
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
  },
});
