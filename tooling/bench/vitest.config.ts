import { defineProject } from 'vitest/config';
import { testSetup } from '../../vitest.shared.js';

export default defineProject({
  test: {
    setupFiles: [testSetup],
    name: 'bench',
    include: ['test/**/*.test.ts'],
    testTimeout: 560_000,
  },
});
