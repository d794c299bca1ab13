import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createPool, firstExample, gaekitImports, repoRoot } from './helpers.js';

describe('firstExample', () => {
  it('takes the first ts or js block and ignores sh blocks before it', () => {
    const readme = [
      '# x',
      '```sh',
      'npm install x',
      '```',
      '```ts',
      "import { a } from 'x';",
      '```',
      '```js',
      'second();',
      '```',
    ].join('\n');
    expect(firstExample(readme)).toBe("import { a } from 'x';\n");
    expect(firstExample('```sh\nls\n```\n')).toBeUndefined();
  });
});

describe('gaekitImports', () => {
  it('lists runtime names per gaekit package, without type-only imports', () => {
    const source = [
      'import {',
      '  type AuthUser,',
      '  createRouter,',
      '  decideLogin as login,',
      "} from '@gaekit/router';",
      "import type { RoutingTable } from '@gaekit/config';",
      "import { createServer } from 'node:http';",
    ].join('\n');
    const found = gaekitImports(source, ['@gaekit/router', '@gaekit/config']);
    expect([...found]).toEqual([['@gaekit/router', ['createRouter', 'decideLogin']]]);
  });

  it('finds the imports of a real README example', () => {
    const example = firstExample(readFileSync(join(repoRoot, 'packages/limits/README.md'), 'utf8'));
    expect(gaekitImports(example ?? '', ['@gaekit/limits']).get('@gaekit/limits')).toContain(
      'createLimitedListener',
    );
  });
});

describe('createPool', () => {
  it('runs at most `size` tasks at once and lets `first` tasks jump the queue', async () => {
    const pool = createPool(1);
    const order: string[] = [];
    let release = () => {};
    const blocker = pool(() => new Promise<void>((resolve) => (release = resolve)));
    const later = pool(async () => void order.push('later'));
    const urgent = pool(async () => void order.push('urgent'), { first: true });
    expect(order).toEqual([]);
    release();
    await Promise.all([blocker, later, urgent]);
    expect(order).toEqual(['urgent', 'later']);
  });
});
