import { createHash } from 'node:crypto';
import type { AuthUser } from '@gaekit/router';
import type { HeaderPairs, RequestRecord, ResponseRecord } from '@gaekit/scheduler';
import { htmlResponse, redirectResponse } from './pages.js';
import { headerValue } from './request-headers.js';

/** The cookie the development login page sets (the name Google's dev_appserver uses). */
export const LOGIN_COOKIE = 'dev_appserver_login';

/** Where a user is taken from: the dev login cookie by default, or your own source. */
export type AuthSource = (request: RequestRecord) => AuthUser | undefined;

/** A stable numeric user id for an email, as the development server derives one. */
export function userIdFor(email: string): string {
  const hex = createHash('sha1').update(email.toLowerCase()).digest('hex').slice(0, 16);
  return BigInt(`0x${hex}`).toString().padStart(21, '1').slice(0, 21);
}

function cookies(headers: HeaderPairs): Map<string, string> {
  const found = new Map<string, string>();
  for (const [name, value] of headers) {
    if (name.toLowerCase() !== 'cookie') continue;
    for (const part of value.split(';')) {
      const eq = part.indexOf('=');
      if (eq < 0) continue;
      found.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
    }
  }
  return found;
}

/** Reads the dev login cookie: `email:True|False:userId`. */
export const devCookieAuth: AuthSource = (request) => {
  const raw = cookies(request.headers).get(LOGIN_COOKIE);
  if (!raw) return undefined;
  const [email, admin, userId] = decodeURIComponent(raw.replace(/^"|"$/g, '')).split(':');
  if (!email) return undefined;
  return { email, isAdmin: admin === 'True', userId: userId || userIdFor(email) };
};

/** `X-AppEngine-User-*` headers for a signed-in user (spec §4.2, legacy Users service). */
export function userHeaders(user: AuthUser, authDomain: string): HeaderPairs {
  const [nickname = user.email, organization = ''] = user.email.split('@');
  return [
    ['X-AppEngine-User-Email', user.email],
    ['X-AppEngine-User-Id', user.userId],
    ['X-AppEngine-User-Nickname', nickname],
    ['X-AppEngine-User-Organization', organization],
    ['X-AppEngine-User-Is-Admin', user.isAdmin ? '1' : '0'],
    ['X-AppEngine-Auth-Domain', authDomain],
  ];
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Only same-site continue targets: a path, or a URL on the request's own host. */
function safeContinue(target: string | null, host: string): string {
  if (!target) return '/';
  if (target.startsWith('/') && !target.startsWith('//')) return target;
  try {
    const url = new URL(target);
    if (url.host === host) return url.toString();
  } catch {}
  return '/';
}

function loginForm(continueUrl: string, user: AuthUser | undefined): string {
  const current = user
    ? `<p>Signed in as <strong>${escapeHtml(user.email)}</strong>${user.isAdmin ? ' (administrator)' : ''}.</p>`
    : '<p>Not signed in.</p>';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Development sign-in</title>
<style>body{font:16px system-ui,sans-serif;max-width:28rem;margin:4rem auto;padding:0 1rem}label{display:block;margin:.75rem 0}input[type=email]{width:100%;padding:.4rem}button{margin-right:.5rem;padding:.4rem 1rem}</style>
</head><body>
<h1>Development sign-in</h1>
<p>This stands in for Google sign-in while you develop. No password is checked.</p>
${current}
<form method="post" action="/_ah/login">
<input type="hidden" name="continue" value="${escapeHtml(continueUrl)}">
<label for="email">Email</label>
<input id="email" type="email" name="email" value="${escapeHtml(user?.email ?? 'test@example.com')}" required>
<label><input type="checkbox" name="admin" value="True"${user?.isAdmin ? ' checked' : ''}> Sign in as administrator</label>
<button type="submit" name="action" value="login">Sign in</button>
<button type="submit" name="action" value="logout" formnovalidate>Sign out</button>
</form>
</body></html>
`;
}

/**
 * Answers `/_ah/login` and `/_ah/logout`: a form that signs a made-up user in (optionally
 * as administrator) by setting {@link LOGIN_COOKIE}, then returns to `continue`.
 * Returns `undefined` for any other path.
 */
export function handleLoginPage(request: RequestRecord, url: URL): ResponseRecord | undefined {
  if (url.pathname !== '/_ah/login' && url.pathname !== '/_ah/logout') return undefined;
  const host = url.host;
  const clear = `${LOGIN_COOKIE}=; Path=/; Max-Age=0`;
  if (url.pathname === '/_ah/logout') {
    const response = redirectResponse(302, safeContinue(url.searchParams.get('continue'), host));
    response.headers.push(['Set-Cookie', clear]);
    return response;
  }
  if (request.method === 'POST') {
    const type = headerValue(request.headers, 'content-type') ?? '';
    const form = new URLSearchParams(
      type.includes('application/x-www-form-urlencoded')
        ? new TextDecoder().decode(request.body)
        : '',
    );
    const target = safeContinue(form.get('continue'), host);
    const response = redirectResponse(302, target);
    const email = (form.get('email') ?? '').trim();
    if (form.get('action') === 'logout' || !email) {
      response.headers.push(['Set-Cookie', clear]);
      return response;
    }
    const value = `${email}:${form.get('admin') === 'True' ? 'True' : 'False'}:${userIdFor(email)}`;
    response.headers.push(['Set-Cookie', `${LOGIN_COOKIE}="${encodeURIComponent(value)}"; Path=/`]);
    return response;
  }
  const continueUrl = safeContinue(url.searchParams.get('continue'), host);
  return htmlResponse(200, loginForm(continueUrl, devCookieAuth(request)), [
    ['Cache-Control', 'no-cache'],
  ]);
}
