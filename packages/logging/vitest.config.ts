import { defineProject } from 'vitest/config';
import { sourceAliases, testSetup } from '../../vitest.shared.js';

export default defineProject({
  resolve: { alias: sourceAliases },
  test: {
    setupFiles: [testSetup],
    name: 'logging',
    include: ['test/**/*.test.ts'],
  },
});
