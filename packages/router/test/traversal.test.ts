import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRouter, type Router } from '../src/index.js';

// An app root with public files, and secrets next to it and above it.
let base: string;
let root: string;
let router: Router;

function isFile(file: string): boolean {
  const full = resolve(root, file);
  return existsSync(full) && statSync(full).isFile();
}

beforeAll(() => {
  base = realpathSync(mkdtempSync(join(tmpdir(), 'gaekit-router-')));
  root = join(base, 'app');
  mkdirSync(join(root, 'public', 'sub'), { recursive: true });
  writeFileSync(join(root, 'public', 'hello.txt'), 'hello');
  writeFileSync(join(root, 'public', 'sub', 'page.html'), 'page');
  writeFileSync(join(root, 'app.yaml'), 'secret config');
  writeFileSync(join(base, 'outside.txt'), 'secret outside');
  router = createRouter(
    [
      { url: '/static', staticDir: 'public' },
      { url: '/files/(.*)', staticFiles: 'public/\\1', upload: 'public/.*' },
      {
        url: '/maybe/(.*)',
        staticFiles: 'public/\\1',
        upload: 'public/.*',
        requireMatchingFile: true,
      },
      { url: '/.*', script: 'auto' },
    ],
    { fileExists: isFile },
  );
});

afterAll(() => {
  rmSync(base, { recursive: true, force: true });
});

// Every way we know of to spell "go up" or "start again from /" in a path.
const ATTACKS = [
  '../app.yaml',
  '../../outside.txt',
  '%2e%2e/app.yaml',
  '%2E%2E/%2E%2E/outside.txt',
  '.%2e/app.yaml',
  '%2e./app.yaml',
  '..%2fapp.yaml',
  '..%2Fapp.yaml',
  '%2e%2e%2fapp.yaml',
  '..\\app.yaml',
  '..%5capp.yaml',
  '%2e%2e%5capp.yaml',
  '..%5c..%5coutside.txt',
  'sub\\..\\..\\app.yaml',
  '/etc/passwd',
  '//etc/passwd',
  '%2fetc%2fpasswd',
  '%2F..%2F..%2Foutside.txt',
  'hello.txt%00.png',
  '%00',
  '..%00/app.yaml',
  '%c0%ae%c0%ae/app.yaml',
  '%c0%ae%c0%ae%c0%afapp.yaml',
  '%e0%80%ae%e0%80%ae/app.yaml',
  '%c1%9c..%c1%9capp.yaml',
  '%ef%bc%8e%ef%bc%8e/app.yaml',
  '%252e%252e/app.yaml',
  '%252e%252e%252fapp.yaml',
  '..%255capp.yaml',
  'C:%5cWindows%5cwin.ini',
  'c:/windows/win.ini',
  'sub/../../app.yaml',
  'sub/./../../../outside.txt',
  '.',
  '..',
  '',
  'sub/',
];

describe('static paths never leave the static root', () => {
  for (const prefix of ['/static/', '/files/', '/maybe/']) {
    for (const attack of ATTACKS) {
      const path = prefix + attack;
      it(path, () => {
        const match = router.match(path);
        if (match.kind === 'redirect') {
          // Dot segments: the 302 goes to a normalised path, which routes again from scratch.
          expect(match.status).toBe(302);
          expect(match.location.startsWith('/')).toBe(true);
          expect(match.location).not.toMatch(/(^|\/)\.\.?(\/|$)/);
          return;
        }
        if (match.kind === 'not-found') return;
        if (match.file === undefined) {
          // Fell through to the app (requireMatchingFile): no file is read.
          expect(prefix).toBe('/maybe/');
          expect(match.index).toBe(3);
          return;
        }
        // A static match: the file must be inside public/, whatever the spelling.
        const full = resolve(root, match.file);
        expect(full.startsWith(join(root, 'public') + sep), `${path} -> ${match.file}`).toBe(true);
        expect(match.file).not.toMatch(/\\|\0/);
      });
    }
  }

  it('serves the real files that are there, and only them', () => {
    expect(router.match('/static/hello.txt')).toMatchObject({ file: 'public/hello.txt' });
    expect(router.match('/static/sub/page.html')).toMatchObject({ file: 'public/sub/page.html' });
    expect(router.match('/maybe/sub/page.html')).toMatchObject({
      index: 2,
      file: 'public/sub/page.html',
    });
    expect(router.match('/maybe/nope.html')).toMatchObject({ index: 3 });
    expect(router.match('/maybe/sub')).toMatchObject({ index: 3 });
  });

  it('refuses the decoding tricks with 404, not a redirect', () => {
    for (const attack of ['%c0%ae%c0%ae/app.yaml', '%e0%80%ae%e0%80%ae/app.yaml', 'a%ed%a0%80']) {
      expect(router.match(`/static/${attack}`)).toEqual({
        kind: 'not-found',
        reason: 'the path is not valid UTF-8 once percent-decoded',
      });
    }
    expect(router.match('/static/hello.txt%00.png')).toEqual({
      kind: 'not-found',
      reason: 'the path contains a NUL byte',
    });
    expect(router.match('/static//etc/passwd')).toEqual({
      kind: 'not-found',
      reason: 'the static file path has an empty segment',
    });
    expect(router.match('/static/..%5capp.yaml')).toEqual({
      kind: 'not-found',
      reason: 'the static file path contains a backslash',
    });
    // A drive letter stays a plain folder name under public/.
    expect(router.match('/files/c:/windows/win.ini')).toMatchObject({
      file: 'public/c:/windows/win.ini',
    });
    expect(router.match('/static/C:%5cx').kind).toBe('not-found');
  });

  it('redirects encoded dot segments instead of resolving them', () => {
    expect(router.match('/static/%2e%2e/app.yaml')).toEqual({
      kind: 'redirect',
      status: 302,
      location: '/app.yaml',
    });
    expect(router.match('/static/..%2f..%2foutside.txt')).toEqual({
      kind: 'redirect',
      status: 302,
      location: '/outside.txt',
    });
  });
});
