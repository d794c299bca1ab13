import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, packageDir } from './built.js';

describe('built package', () => {
  beforeAll(() => ensureBuilt());

  it('works from dist as users import it', async () => {
    const config = (await import(`${packageDir}dist/index.js`)) as typeof import('../src/index.js');
    const yaml = config.toYaml({ runtime: 'nodejs22', handlers: [{ url: '/.*', script: 'auto' }] });
    expect(yaml).toBe('runtime: nodejs22\nhandlers:\n- url: /.*\n  script: auto\n');
    expect(config.fromYaml(yaml)).toEqual({
      runtime: 'nodejs22',
      handlers: [{ url: '/.*', script: 'auto' }],
    });
    expect(() => config.fromYaml('runtime: nodejs22\nenv: flex\n')).toThrow(config.ConfigError);
  });

  it('writes and reads cron.yaml and computes run times from dist', async () => {
    const config = (await import(`${packageDir}dist/index.js`)) as typeof import('../src/index.js');
    const jobs = [{ url: '/tasks/summary', schedule: 'every monday 09:00' }];
    expect(config.cronFromYaml(config.cronToYaml(jobs))).toEqual(jobs);
    expect(
      config
        .nextRuns(jobs[0]?.schedule ?? '', new Date('2024-01-01T09:00:00Z'), 1)[0]
        ?.toISOString(),
    ).toBe('2024-01-08T09:00:00.000Z');
  });
});
