import type { Handler } from '@gaekit/config';
import { describe, expect, it } from 'vitest';
import { type AuthUser, decideLogin, decideSecure } from '../src/index.js';

const url = (text: string) => new URL(text);
const handler = (extra: Partial<Handler>): Handler => ({ url: '/.*', script: 'auto', ...extra });

describe('decideSecure', () => {
  it('always: redirects http to https with 302, keeping path, query and port', () => {
    expect(
      decideSecure(handler({ secure: 'always' }), {
        url: url('http://localhost:8080/account/a%20b?x=1&y=2'),
        https: false,
      }),
    ).toEqual({
      kind: 'redirect',
      status: 302,
      location: 'https://localhost:8080/account/a%20b?x=1&y=2',
    });
    expect(
      decideSecure(handler({ secure: 'always' }), {
        url: url('https://example.com/a?x=1'),
        https: true,
      }),
    ).toEqual({ kind: 'continue' });
  });

  it('never: redirects https to http, dropping the query', () => {
    expect(
      decideSecure(handler({ secure: 'never' }), {
        url: url('https://example.com/p?q=1'),
        https: true,
      }),
    ).toEqual({ kind: 'redirect', status: 302, location: 'http://example.com/p' });
    expect(
      decideSecure(handler({ secure: 'never' }), {
        url: url('http://example.com/p?q=1'),
        https: false,
      }),
    ).toEqual({ kind: 'continue' });
  });

  it('uses redirectHttpResponseCode for the status', () => {
    for (const code of [301, 302, 303, 307] as const) {
      const decision = decideSecure(handler({ secure: 'always', redirectHttpResponseCode: code }), {
        url: url('http://example.com/'),
        https: false,
      });
      expect(decision).toMatchObject({ kind: 'redirect', status: code });
    }
  });

  it('optional, default and unset serve both schemes', () => {
    for (const secure of ['optional', 'default', undefined] as const) {
      for (const https of [false, true]) {
        const u = url(`${https ? 'https' : 'http'}://example.com/`);
        expect(decideSecure(handler(secure ? { secure } : {}), { url: u, https })).toEqual({
          kind: 'continue',
        });
      }
    }
  });
});

describe('decideLogin', () => {
  const ann: AuthUser = { email: 'ann@example.com', userId: '1', isAdmin: false };
  const root: AuthUser = { email: 'root@example.com', userId: '2', isAdmin: true };
  const page = url('http://localhost:8080/members/x?tab=1');

  it('optional lets everyone in', () => {
    for (const user of [undefined, ann, root]) {
      expect(decideLogin(handler({}), { url: page, user })).toEqual({ kind: 'continue' });
      expect(decideLogin(handler({ login: 'optional' }), { url: page, user })).toEqual({
        kind: 'continue',
      });
    }
  });

  it('required: redirects a stranger to sign in with continue = the full URL', () => {
    expect(decideLogin(handler({ login: 'required' }), { url: page, user: undefined })).toEqual({
      kind: 'redirect',
      status: 302,
      location: `/_ah/login?continue=${encodeURIComponent('http://localhost:8080/members/x?tab=1')}`,
    });
    expect(decideLogin(handler({ login: 'required' }), { url: page, user: ann })).toEqual({
      kind: 'continue',
    });
  });

  it('takes a login URL, with or without its own query', () => {
    const a = decideLogin(
      handler({ login: 'required' }),
      { url: page, user: undefined },
      { loginUrl: 'https://accounts.example/signin' },
    );
    expect(a).toMatchObject({
      location: `https://accounts.example/signin?continue=${encodeURIComponent(page.href)}`,
    });
    const b = decideLogin(
      handler({ login: 'admin' }),
      { url: page, user: undefined },
      { loginUrl: '/login?app=1' },
    );
    expect(b).toMatchObject({ location: `/login?app=1&continue=${encodeURIComponent(page.href)}` });
  });

  it('authFailAction unauthorized answers 401 instead', () => {
    for (const login of ['required', 'admin'] as const) {
      expect(
        decideLogin(handler({ login, authFailAction: 'unauthorized' }), {
          url: page,
          user: undefined,
        }),
      ).toEqual({ kind: 'status', status: 401 });
    }
  });

  it('admin: 401 for a signed-in user who is not an administrator, whatever authFailAction', () => {
    for (const authFailAction of ['redirect', 'unauthorized', undefined] as const) {
      const h = handler(authFailAction ? { login: 'admin', authFailAction } : { login: 'admin' });
      expect(decideLogin(h, { url: page, user: ann })).toEqual({ kind: 'status', status: 401 });
      expect(decideLogin(h, { url: page, user: root })).toEqual({ kind: 'continue' });
    }
    expect(decideLogin(handler({ login: 'admin' }), { url: page, user: undefined })).toMatchObject({
      kind: 'redirect',
      status: 302,
    });
  });
});
