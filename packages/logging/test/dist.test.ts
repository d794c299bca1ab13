import { existsSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, packageDir } from './helpers.js';

describe('built package', () => {
  beforeAll(() => {
    if (!existsSync(`${packageDir}dist/index.js`)) ensureBuilt();
  }, 120_000);

  it('works from dist as users import it', async () => {
    const logging = (await import(
      `${packageDir}dist/index.js`
    )) as typeof import('../src/index.js');
    const buffer = logging.createLogBuffer();
    const lines: string[] = [];
    const setup = logging.createLogging({
      sinks: [buffer, logging.jsonSink({ write: (t) => lines.push(t), projectId: 'p' })],
    });
    const request = setup.startRequest({
      url: '/dist',
      headers: { 'x-cloud-trace-context': '105445aa7843bc8bf206b12000100000/1;o=1' },
    });
    request.run(() => logging.log.info('from dist'));
    request.end({ status: 200 });
    expect(buffer.query({ pathPrefix: '/dist' })[0]?.lines[0]?.message).toBe('from dist');
    expect(JSON.parse(lines[0] as string)['logging.googleapis.com/trace']).toBe(
      'projects/p/traces/105445aa7843bc8bf206b12000100000',
    );
    expect(logging.isRequestId(request.requestId)).toBe(true);
  });
});
