import type { Handler } from '@gaekit/config';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRouter } from '../src/index.js';

/**
 * The plain algorithm of spec §1.7, written out again without any index: try every handler
 * in order, anchored regex, static_dir as `/U/(.*)`, requireMatchingFile falls through.
 */
function sequential(
  handlers: readonly Handler[],
  path: string,
  exists: (file: string) => boolean,
): { index: number; refused: boolean } | undefined {
  for (let i = 0; i < handlers.length; i++) {
    const h = handlers[i] as Handler;
    const url =
      h.staticDir !== undefined ? `${h.url.endsWith('/') ? h.url : `${h.url}/`}(.*)` : h.url;
    const m = new RegExp(`^(?:${url})$`).exec(path);
    if (!m) continue;
    if (h.staticDir === undefined && h.staticFiles === undefined)
      return { index: i, refused: false };
    const file =
      h.staticDir !== undefined
        ? `${h.staticDir}/${m[m.length - 1]}`
        : (h.staticFiles as string).replace(/\\([1-9])/g, (_, n) => m[Number(n)] ?? '');
    const safe = !file.split('/').includes('');
    if (h.requireMatchingFile) {
      if (safe && exists(file)) return { index: i, refused: false };
      continue;
    }
    return { index: i, refused: !safe };
  }
  return undefined;
}

const SEGMENTS = ['a', 'b', 'ab', 'api', 'v1', 'x1', 'A', '7', 'static', 'img'];

const path = fc
  .tuple(fc.array(fc.constantFrom(...SEGMENTS, ''), { maxLength: 5 }), fc.boolean())
  .map(([segments, slash]) => `/${segments.join('/')}${slash && segments.length > 0 ? '/' : ''}`);

const TOKENS = [
  '/',
  '/',
  '/',
  'a',
  'b',
  'ab',
  'api',
  'v1',
  'static',
  '.*',
  '.+',
  '.',
  '[ab]',
  '(a|b)',
  '(api|v1)',
  '\\d+',
  '?',
  '*',
  '|',
  '(x1)?',
  '[^/]+',
  '(/.*)?',
  '/api',
  '$',
];

const scriptUrl = fc
  .array(fc.constantFrom(...TOKENS), { minLength: 1, maxLength: 6 })
  .map((tokens) => tokens.join(''))
  .filter((url) => {
    try {
      new RegExp(`^(?:${url})$`);
      return true;
    } catch {
      return false;
    }
  });

const handler: fc.Arbitrary<Handler> = fc.oneof(
  { weight: 6, arbitrary: scriptUrl.map((url): Handler => ({ url, script: 'auto' })) },
  {
    weight: 2,
    arbitrary: fc
      .record({
        url: fc.constantFrom('/static', '/a', '/api', '/a/b', '/img', '/', '/(a|b)', '/a.'),
        requireMatchingFile: fc.boolean(),
      })
      .map(
        ({ url, requireMatchingFile }): Handler => ({ url, staticDir: 'd', requireMatchingFile }),
      ),
  },
  {
    weight: 2,
    arbitrary: fc
      .record({
        url: fc.constantFrom('/(a|b)/(.*)', '/img/([^/]+)', '/(.*)', '/api/(\\w+)/(\\d+)'),
        requireMatchingFile: fc.boolean(),
      })
      .map(
        ({ url, requireMatchingFile }): Handler => ({
          url,
          staticFiles: 'f/\\1/\\2',
          upload: 'f/.*',
          requireMatchingFile,
        }),
      ),
  },
);

describe('the indexed router', () => {
  it('picks exactly the handler a plain sequential first match picks', () => {
    fc.assert(
      fc.property(
        fc.array(handler, { minLength: 0, maxLength: 30 }),
        fc.array(path, { minLength: 1, maxLength: 20 }),
        fc.func(fc.boolean()),
        (handlers, paths, exists) => {
          const router = createRouter(handlers, { fileExists: (file) => exists(file) });
          for (const p of paths) {
            const expected = sequential(handlers, p, (file) => exists(file));
            const got = router.match(p);
            if (expected === undefined || expected.refused) {
              expect(got.kind, p).toBe('not-found');
            } else {
              expect(got.kind === 'handler' ? got.index : got.kind, p).toBe(expected.index);
            }
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('keeps file order when many handlers share a first segment', () => {
    const handlers: Handler[] = [];
    for (let i = 0; i < 200; i++) handlers.push({ url: `/s${i % 10}/p${i}`, script: 'auto' });
    handlers.push({ url: '/s3/.*', script: 'auto' }, { url: '/.*', script: 'auto' });
    const router = createRouter(handlers);
    for (let i = 0; i < 200; i++) {
      const got = router.match(`/s${i % 10}/p${i}`);
      expect(got.kind === 'handler' && got.index).toBe(i);
    }
    expect(router.match('/s3/other')).toMatchObject({ index: 200 });
    expect(router.match('/s4/other')).toMatchObject({ index: 201 });
    expect(router.match('/zzz')).toMatchObject({ index: 201 });
  });
});

describe('patterns matched without a regex', () => {
  // literal prefix + one of the tails the router checks with string operations.
  const TAILS = ['', '$', '.*', '.+', '(.*)', '(.+)$', '[^/]*', '([^/]+)', '\\d+', '(\\d*)', '.*$'];
  const prefixes = ['/', '/a', '/a/', '/ab/c/'];
  // Python's `.` excludes only \n, so the reference regex spells it out.
  const python = (url: string) => new RegExp(`^(?:${url.replaceAll('.', '[^\\n]')})$`);

  it('give the same match and groups as the regex, with Python’s meaning of "."', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...prefixes),
        fc.constantFrom(...TAILS),
        fc.array(fc.constantFrom('a', 'b', '/', '1', '9', '\n', '\r', '\u2028', ' ', 'é'), {
          maxLength: 8,
        }),
        fc.constantFrom(...prefixes, ''),
        (prefix, tail, chars, start) => {
          const url = prefix + tail;
          const path = start + chars.join('');
          const expected = python(url).exec(path);
          const got = createRouter([{ url, script: 'auto' }]).match(path);
          if (got.kind === 'redirect') return;
          expect(got.kind, JSON.stringify([url, path])).toBe(expected ? 'handler' : 'not-found');
          if (expected && got.kind === 'handler') {
            expect(got.groups).toEqual(expected.slice(1).map((g) => g ?? ''));
          }
        },
      ),
      { numRuns: 3000 },
    );
  });
});
