import type { Handler } from '@gaekit/config';
import { describe, expect, it } from 'vitest';
import { createRouter, InvalidPatternError, type RouteMatch } from '../src/index.js';

function indexOf(match: RouteMatch): number | string {
  return match.kind === 'handler' ? match.index : match.kind;
}

describe('handler matching', () => {
  const handlers: Handler[] = [
    { url: '/', script: 'auto' },
    { url: '/api/(\\w+)/(\\d+)', script: 'auto' },
    { url: '/api/.*', script: 'auto', login: 'required' },
    { url: '/about', script: 'auto' },
    { url: '/.*', script: 'auto' },
  ];
  const router = createRouter(handlers);

  it('matches the whole path, not a part of it', () => {
    const only = createRouter([{ url: '/about', script: 'auto' }]);
    expect(indexOf(only.match('/about'))).toBe(0);
    expect(only.match('/about/more')).toEqual({
      kind: 'not-found',
      reason: 'no handler matches the path',
    });
    expect(indexOf(only.match('/x/about'))).toBe('not-found');
    expect(indexOf(only.match('/abou'))).toBe('not-found');
  });

  it('takes the first handler that matches, in file order', () => {
    expect(indexOf(router.match('/'))).toBe(0);
    expect(indexOf(router.match('/api/users/42'))).toBe(1);
    expect(indexOf(router.match('/api/users/x'))).toBe(2);
    expect(indexOf(router.match('/about'))).toBe(3);
    expect(indexOf(router.match('/elsewhere/deep'))).toBe(4);
    const reversed = createRouter([...handlers].reverse());
    expect(indexOf(reversed.match('/api/users/42'))).toBe(0);
  });

  it('returns the handler and its capture groups', () => {
    const match = router.match('/api/users/42');
    expect(match).toEqual({
      kind: 'handler',
      index: 1,
      handler: handlers[1],
      groups: ['users', '42'],
    });
    const none = createRouter([{ url: '/a(b)?(c)?', script: 'auto' }]).match('/ac');
    expect(none.kind === 'handler' && none.groups).toEqual(['', 'c']);
  });

  it('tolerates a trailing $ and reads Python named groups', () => {
    const r = createRouter([
      { url: '/end$', script: 'auto' },
      { url: '/item/(?P<id>\\d+)/(?P=id)', script: 'auto' },
      { url: '/x/(?P<name>\\w+)', staticFiles: 'files/\\1.txt', upload: 'files/\\w+\\.txt' },
    ]);
    expect(indexOf(r.match('/end'))).toBe(0);
    expect(indexOf(r.match('/item/7/7'))).toBe(1);
    expect(indexOf(r.match('/item/7/8'))).toBe('not-found');
    expect(r.match('/x/readme')).toMatchObject({ index: 2, file: 'files/readme.txt' });
  });

  it('reads a leading (?i) as case-insensitive and \\A/\\Z as anchors', () => {
    const r = createRouter([
      { url: '(?i)/Admin/.*', script: 'auto' },
      { url: '\\A/z\\Z', script: 'auto' },
    ]);
    expect(indexOf(r.match('/ADMIN/x'))).toBe(0);
    expect(indexOf(r.match('/admin/x'))).toBe(0);
    expect(indexOf(r.match('/z'))).toBe(1);
  });

  it('matches the path percent-decoded once, as PATH_INFO', () => {
    const r = createRouter([
      { url: '/caf\u00e9', script: 'auto' },
      { url: '/a b', script: 'auto' },
      { url: '/lit/%2e', script: 'auto' },
    ]);
    expect(indexOf(r.match('/caf%C3%A9'))).toBe(0);
    expect(indexOf(r.match('/a%20b'))).toBe(1);
    // %252e decodes to the text %2e, never to a dot.
    expect(indexOf(r.match('/lit/%252e'))).toBe(2);
  });

  it('throws InvalidPatternError with the handler index for a pattern it cannot compile', () => {
    const build = () =>
      createRouter([
        { url: '/ok', script: 'auto' },
        { url: '/bad(', script: 'auto' },
      ]);
    expect(build).toThrow(InvalidPatternError);
    try {
      build();
    } catch (error) {
      expect(error).toMatchObject({
        code: 'router/invalid-pattern',
        handlerIndex: 1,
        field: 'url',
      });
    }
    expect(() => createRouter([{ url: '/f', staticFiles: 'f', upload: '(' }])).toThrow(
      /handlers\[0\]\.upload/,
    );
  });

  it('gives not-found when nothing matches or there are no handlers', () => {
    expect(createRouter([]).match('/')).toEqual({
      kind: 'not-found',
      reason: 'no handler matches the path',
    });
  });
});

describe('static handlers', () => {
  it('static_dir serves the rest of the path from the directory', () => {
    const r = createRouter([{ url: '/static', staticDir: 'public' }]);
    expect(r.match('/static/css/site.css')).toMatchObject({
      kind: 'handler',
      index: 0,
      file: 'public/css/site.css',
      groups: ['css/site.css'],
    });
    // The prefix is followed by a slash: /static alone and /staticx do not match.
    expect(r.match('/static').kind).toBe('not-found');
    expect(r.match('/staticx/a').kind).toBe('not-found');
  });

  it('static_dir accepts ./ and trailing slashes in the config', () => {
    const r = createRouter([
      { url: '/s/', staticDir: './public/' },
      { url: '/root', staticDir: '.' },
    ]);
    expect(r.match('/s/a.txt')).toMatchObject({ file: 'public/a.txt' });
    expect(r.match('/root/a.txt')).toMatchObject({ file: 'a.txt' });
  });

  it('static_files expands \\1…\\9 and checks upload against the file', () => {
    const r = createRouter([
      {
        url: '/img/(.*)\\.(png|gif)',
        staticFiles: 'assets/\\2/\\1.\\2',
        upload: 'assets/(png|gif)/.*',
      },
      { url: '/doc/(.*)', staticFiles: 'docs/\\1', upload: 'docs/.*\\.html' },
    ]);
    expect(r.match('/img/logo.png')).toMatchObject({ index: 0, file: 'assets/png/logo.png' });
    expect(r.match('/doc/a.html')).toMatchObject({ index: 1, file: 'docs/a.html' });
    // Not uploaded: production has no such static file.
    expect(r.match('/doc/secret.yaml')).toEqual({
      kind: 'not-found',
      reason: 'the static file does not match the handler’s upload pattern',
    });
  });

  it('a missing file is still this handler (404 from the static server) without requireMatchingFile', () => {
    const seen: string[] = [];
    const r = createRouter(
      [
        { url: '/static', staticDir: 'public' },
        { url: '/.*', script: 'auto' },
      ],
      {
        fileExists: (file) => {
          seen.push(file);
          return false;
        },
      },
    );
    expect(r.match('/static/nope.txt')).toMatchObject({ index: 0, file: 'public/nope.txt' });
    expect(seen).toEqual([]);
  });

  it('requireMatchingFile falls through to the next handler when the file does not exist', () => {
    const files = new Set(['build/index.html', 'public/app.js']);
    const asked: string[] = [];
    const r = createRouter(
      [
        { url: '/(.*)', staticFiles: 'build/\\1', upload: 'build/.*', requireMatchingFile: true },
        { url: '/', staticDir: 'public', requireMatchingFile: true },
        { url: '/.*', script: 'auto' },
      ],
      {
        fileExists: (file) => {
          asked.push(file);
          return files.has(file);
        },
      },
    );
    expect(r.match('/index.html')).toMatchObject({ index: 0, file: 'build/index.html' });
    expect(r.match('/app.js')).toMatchObject({ index: 1, file: 'public/app.js' });
    const app = r.match('/api/users');
    expect(app.kind === 'handler' && app.index).toBe(2);
    expect(app.kind === 'handler' && app.file).toBe(undefined);
    expect(asked).toEqual([
      'build/index.html',
      'build/app.js',
      'public/app.js',
      'build/api/users',
      'public/api/users',
    ]);
  });

  it('requireMatchingFile also falls through when the file is not uploaded or not safe', () => {
    const r = createRouter(
      [
        {
          url: '/(.*)',
          staticFiles: 'www/\\1',
          upload: 'www/.*\\.html',
          requireMatchingFile: true,
        },
        { url: '/.*', script: 'auto' },
      ],
      { fileExists: () => true },
    );
    expect(indexOf(r.match('/a.html'))).toBe(0);
    expect(indexOf(r.match('/a.js'))).toBe(1);
    expect(indexOf(r.match('/dir/'))).toBe(1);
    expect(indexOf(r.match('/a%5c..%5c..%5cetc.html'))).toBe(1);
  });
});

describe('dot segments', () => {
  const r = createRouter([{ url: '/.*', script: 'auto' }]);

  it('redirects with 302 to the normalised path, keeping redundant slashes', () => {
    expect(r.match('/a/../b')).toEqual({ kind: 'redirect', status: 302, location: '/b' });
    expect(r.match('/a/./b')).toEqual({ kind: 'redirect', status: 302, location: '/a/b' });
    expect(r.match('/a//./b')).toEqual({ kind: 'redirect', status: 302, location: '/a//b' });
    expect(r.match('/a/b/..')).toEqual({ kind: 'redirect', status: 302, location: '/a/' });
    expect(r.match('/a/.')).toEqual({ kind: 'redirect', status: 302, location: '/a/' });
    expect(r.match('/../../etc/passwd')).toEqual({
      kind: 'redirect',
      status: 302,
      location: '/etc/passwd',
    });
  });

  it('sees encoded dot segments after decoding and encodes the location', () => {
    expect(r.match('/x/%2e%2e/y')).toEqual({ kind: 'redirect', status: 302, location: '/y' });
    expect(r.match('/x/%2E/y')).toEqual({ kind: 'redirect', status: 302, location: '/x/y' });
    expect(r.match('/x/..%2fy%20z%3F')).toEqual({
      kind: 'redirect',
      status: 302,
      location: '/y%20z%3F',
    });
  });

  it('leaves names with dots alone', () => {
    for (const path of ['/.well-known/x', '/a/..b', '/a/b.', '/...', '/a/.hidden']) {
      expect(r.match(path).kind, path).toBe('handler');
    }
  });
});
