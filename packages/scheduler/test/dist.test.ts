import { afterEach, describe, expect, it } from 'vitest';
import { ensureBuilt, packageDir } from './built.js';
import { fixture } from './helpers.js';

type Module = typeof import('../src/index.js');
let close: (() => Promise<void>) | undefined;
afterEach(() => close?.());

describe('built package', () => {
  it('runs a worker instance from dist, with the bootstrap next to index.js', async () => {
    ensureBuilt();
    const { createScheduler } = (await import(`${packageDir}dist/index.js`)) as Module;
    const scheduler = createScheduler({
      kind: 'worker',
      module: fixture('app.mjs'),
      output: 'ignore',
    });
    close = () => scheduler.close();
    const response = await scheduler.fetch(new Request('http://localhost/'));
    expect(await response.text()).toBe('hello 1');
    expect(scheduler.instances()).toHaveLength(1);
    await scheduler.close();
    expect(scheduler.instances()).toEqual([]);
  });
});
