import { GaeError } from '@gaekit/config';
import { describe, expect, it, vi } from 'vitest';
import {
  createDeadline,
  DEADLINE_EXCEEDED_MESSAGE,
  DeadlineExceededError,
  requestTimeoutFor,
  runWithDeadline,
  withLimits,
} from '../src/index.js';
import { startServer } from './helpers.js';

const aborted = (signal: AbortSignal) =>
  new Promise<unknown>((resolve) => {
    if (signal.aborted) resolve(signal.reason);
    else signal.addEventListener('abort', () => resolve(signal.reason), { once: true });
  });

describe('createDeadline', () => {
  it('aborts the signal with DeadlineExceededError, then fires the hard expiry', async () => {
    const deadline = createDeadline({ timeoutMs: 5, graceMs: 5 });
    const order: string[] = [];
    deadline.onDeadline(() => order.push('deadline'));
    const hard = new Promise<void>((resolve) =>
      deadline.onHardExpiry(() => {
        order.push('hard');
        resolve();
      }),
    );
    const reason = await aborted(deadline.signal);
    expect(reason).toBeInstanceOf(DeadlineExceededError);
    expect(reason).toBeInstanceOf(GaeError);
    const error = reason as DeadlineExceededError;
    expect(error.name).toBe('DeadlineExceededError');
    expect(error.message).toBe(
      'The overall deadline for responding to the HTTP request was exceeded.',
    );
    expect(error.message).toBe(DEADLINE_EXCEEDED_MESSAGE);
    expect(error.code).toBe('deadline/exceeded');
    expect(deadline.expired).toBe(true);
    await hard;
    expect(order).toEqual(['deadline', 'hard']);
    expect(deadline.hardExpired).toBe(true);
    expect(deadline.remainingMs()).toBe(0);
  });

  it('gives an already aborted signal when read after the deadline, and calls late listeners', async () => {
    const deadline = createDeadline({ timeoutMs: 0, graceMs: 0 });
    await new Promise<void>((resolve) => deadline.onHardExpiry(resolve));
    expect(deadline.signal.aborted).toBe(true);
    expect(deadline.signal.reason).toBeInstanceOf(DeadlineExceededError);
    let called = 0;
    deadline.onDeadline(() => called++);
    deadline.onHardExpiry(() => called++);
    expect(called).toBe(2);
  });

  it('fires nothing once disposed', async () => {
    const deadline = createDeadline({ timeoutMs: 1, graceMs: 1 });
    let fired = false;
    deadline.onDeadline(() => {
      fired = true;
    });
    deadline.dispose();
    const other = createDeadline({ timeoutMs: 10, graceMs: 10 });
    await new Promise<void>((resolve) => other.onHardExpiry(resolve));
    expect(fired).toBe(false);
    expect(deadline.signal.aborted).toBe(false);
  });

  it('chains timers past setTimeout’s longest delay, and a dispose stops the chain', () => {
    vi.useFakeTimers();
    try {
      const max = 2 ** 31 - 1;
      const long = createDeadline({ timeoutMs: max + 1000, graceMs: 0 });
      const disposed = createDeadline({ timeoutMs: max + 1000, graceMs: 0 });
      const fired: string[] = [];
      long.onDeadline(() => fired.push('long'));
      disposed.onDeadline(() => fired.push('disposed'));
      vi.advanceTimersByTime(max);
      expect(fired).toEqual([]);
      disposed.dispose();
      vi.advanceTimersByTime(999);
      expect(fired).toEqual([]);
      vi.advanceTimersByTime(1);
      expect(fired).toEqual(['long']);
      expect(long.signal.reason).toBeInstanceOf(DeadlineExceededError);
      long.dispose();
    } finally {
      vi.useRealTimers();
    }
  });

  it('never fires with an infinite timeout, and rejects negative ones', () => {
    const deadline = createDeadline({ timeoutMs: Number.POSITIVE_INFINITY });
    expect(deadline.remainingMs()).toBe(Number.POSITIVE_INFINITY);
    expect(deadline.graceMs).toBe(500);
    deadline.dispose();
    expect(() => createDeadline({ timeoutMs: -1 })).toThrow(RangeError);
  });
});

describe('runWithDeadline', () => {
  it('uses an answer given before the deadline', async () => {
    const result = await runWithDeadline(() => 'fast', { timeoutMs: 1_000 });
    expect(result).toEqual({ outcome: 'answered', value: 'fast' });
  });

  it('uses the answer the handler gives in the grace period after catching the error', async () => {
    const result = await runWithDeadline(
      async (signal) => {
        try {
          await aborted(signal).then((reason) => {
            throw reason;
          });
          return 'completed';
        } catch (error) {
          if (error instanceof DeadlineExceededError)
            return 'The request did not complete in time.';
          throw error;
        }
      },
      { timeoutMs: 5, graceMs: 1_000 },
    );
    expect(result).toEqual({
      outcome: 'answered-in-grace',
      value: 'The request did not complete in time.',
    });
  });

  it('reports an uncaught deadline error', async () => {
    const result = await runWithDeadline(
      async (signal) => {
        throw await aborted(signal);
      },
      { timeoutMs: 5, graceMs: 1_000 },
    );
    expect(result.outcome).toBe('deadline-uncaught');
  });

  it('fires the hard expiry when the handler never answers', async () => {
    const deadline = createDeadline({ timeoutMs: 5, graceMs: 5 });
    let instanceEnded = false;
    deadline.onHardExpiry(() => {
      instanceEnded = true;
    });
    const result = await runWithDeadline(() => new Promise<string>(() => undefined), {
      timeoutMs: 5,
      deadline,
    });
    expect(result).toEqual({ outcome: 'hard-expired' });
    expect(instanceEnded).toBe(true);
  });

  it('reports other errors as errors', async () => {
    const result = await runWithDeadline(
      () => {
        throw new TypeError('bug');
      },
      { timeoutMs: 1_000 },
    );
    expect(result.outcome).toBe('error');
  });
});

describe('requestTimeoutFor', () => {
  it('gives App Engine timeouts per scaling type and generation', () => {
    expect(requestTimeoutFor()).toBe(10 * 60_000);
    expect(requestTimeoutFor({ scaling: 'automatic', generation: 'second' })).toBe(600_000);
    expect(requestTimeoutFor({ scaling: 'basic' })).toBe(24 * 3_600_000);
    expect(requestTimeoutFor({ scaling: 'manual', generation: 'first' })).toBe(86_400_000);
    expect(requestTimeoutFor({ generation: 'first' })).toBe(60_000);
    expect(requestTimeoutFor({ generation: 'first', source: 'task' })).toBe(600_000);
    expect(requestTimeoutFor({ generation: 'first', source: 'cron' })).toBe(600_000);
  });

  it('caps them in development mode', () => {
    expect(requestTimeoutFor({ mode: 'development' })).toBe(60_000);
    expect(requestTimeoutFor({ mode: 'development', developmentTimeoutMs: 50 })).toBe(50);
    expect(
      requestTimeoutFor({ scaling: 'manual', mode: 'development', developmentTimeoutMs: 10 }),
    ).toBe(10);
  });
});

describe('deadlines in the request helpers', () => {
  it('withLimits: the grace answer is used; no answer gives the platform 500', async () => {
    const fetchHandler = withLimits(
      async (request) => {
        await aborted(request.signal);
        if (new URL(request.url).pathname === '/catch') {
          return new Response('The request did not complete in time.', { status: 500 });
        }
        return new Promise<Response>(() => undefined);
      },
      { timeoutMs: 5, graceMs: 50 },
    );
    const caught = await fetchHandler(new Request('http://app.test/catch'));
    expect(await caught.text()).toBe('The request did not complete in time.');
    const silent = await fetchHandler(new Request('http://app.test/silent'));
    expect(silent.status).toBe(500);
    expect(await silent.text()).toContain('Error: Server Error');
  });

  it('node listener: grace answer used, silence answered by the platform, deadline status option', async () => {
    const s = await startServer(
      async (request, { signal }) => {
        await aborted(signal);
        if (request.url === '/catch') {
          return { status: 503, headers: [], body: new TextEncoder().encode('late but fine') };
        }
        return new Promise<never>(() => undefined);
      },
      { timeoutMs: 5, graceMs: 50, deadlineStatus: 504 },
    );
    try {
      const caught = await fetch(`http://127.0.0.1:${s.port}/catch`);
      expect(caught.status).toBe(503);
      expect(await caught.text()).toBe('late but fine');
      const silent = await fetch(`http://127.0.0.1:${s.port}/silent`);
      expect(silent.status).toBe(504);
      expect(s.logs.some((l) => l.message.includes('hard-expired'))).toBe(true);
    } finally {
      await s.close();
    }
  });
});
