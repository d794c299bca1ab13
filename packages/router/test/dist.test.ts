import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

describe('built package', () => {
  beforeAll(() => {
    if (!existsSync(`${packageDir}dist/index.js`)) {
      execFileSync('pnpm', ['exec', 'tsup'], { cwd: packageDir, stdio: 'ignore' });
    }
  });

  it('works from dist as users import it', async () => {
    const router = (await import(`${packageDir}dist/index.js`)) as typeof import('../src/index.js');
    const r = router.createRouter([
      { url: '/static', staticDir: 'public' },
      { url: '/.*', script: 'auto' },
    ]);
    expect(r.match('/static/a.css')).toMatchObject({ index: 0, file: 'public/a.css' });
    expect(r.match('/static/%2e%2e/x')).toEqual({ kind: 'redirect', status: 302, location: '/x' });
    expect(router.parseHost('v2-dot-api.localhost:8080', { appDomain: 'localhost' }).names).toEqual(
      ['v2', 'api'],
    );
    const table = { services: new Map([['default', { versions: ['v1'], defaultVersion: 'v1' }]]) };
    expect(router.resolveTarget({ host: 'localhost', path: '/' }, table)).toMatchObject({
      service: 'default',
    });
  });
});
