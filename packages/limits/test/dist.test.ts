import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, packageDir } from './helpers.js';

describe('built package', () => {
  beforeAll(() => ensureBuilt());

  it('works from dist as users import it', async () => {
    const limits = (await import(`${packageDir}dist/index.js`)) as typeof import('../src/index.js');
    expect(limits.APP_ENGINE_LIMITS.maxRequestBodyBytes).toBe(32 * 1024 * 1024);
    expect(limits.checkRequest({ method: 'GET', headers: [['content-length', '1']] })?.status).toBe(
      400,
    );
    const response = { status: 200, headers: [], body: new Uint8Array(3) };
    expect(limits.checkResponse(response)).toBe(response);
    const deadline = limits.createDeadline({ timeoutMs: 0, graceMs: 0 });
    await new Promise<void>((resolve) => deadline.onHardExpiry(resolve));
    expect(deadline.signal.reason).toBeInstanceOf(limits.DeadlineExceededError);
    expect(limits.requestTimeoutFor({ scaling: 'basic' })).toBe(86_400_000);
  });
});
