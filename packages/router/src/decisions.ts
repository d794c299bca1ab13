import type { Handler } from '@gaekit/config';

/** A signed-in user, as the pluggable auth source reports them. */
export interface AuthUser {
  /** The user's email address. */
  email: string;
  /** A stable id for the user (App Engine's `X-AppEngine-User-Id`). */
  userId: string;
  /** Whether the user is an administrator of the app. */
  isAdmin: boolean;
}

/** What happens before the handler runs: go on, redirect, or answer with a status. */
export type Decision =
  | { kind: 'continue' }
  | { kind: 'redirect'; status: number; location: string }
  | { kind: 'status'; status: number };

const CONTINUE: Decision = { kind: 'continue' };

/**
 * The `secure` rule of a handler (spec §1.8). `always` redirects an HTTP request to the same
 * URL over HTTPS, query kept; `never` redirects an HTTPS request to HTTP with the query
 * **dropped**; `optional` and `default` serve both. The status is the handler's
 * `redirectHttpResponseCode`, 302 when unset.
 */
export function decideSecure(handler: Handler, request: { url: URL; https: boolean }): Decision {
  const status = handler.redirectHttpResponseCode ?? 302;
  const { url, https } = request;
  if (handler.secure === 'always' && !https) {
    return {
      kind: 'redirect',
      status,
      location: `https://${url.host}${url.pathname}${url.search}`,
    };
  }
  if (handler.secure === 'never' && https) {
    return { kind: 'redirect', status, location: `http://${url.host}${url.pathname}` };
  }
  return CONTINUE;
}

/** Options of {@link decideLogin}. */
export interface LoginOptions {
  /**
   * The sign-in page; the requested URL is appended as `continue`.
   * @default "/_ah/login"
   */
  loginUrl?: string;
}

/**
 * The `login` rule of a handler (spec §1.9), given the user from your auth source.
 * `required`/`admin` without a user: `authFailAction: redirect` (the default) sends a 302 to
 * the sign-in page with `continue` set to the full requested URL; `unauthorized` answers 401.
 * `admin` with a signed-in user who is not an administrator answers 401 whatever
 * `authFailAction` says.
 */
export function decideLogin(
  handler: Handler,
  request: { url: URL; user: AuthUser | undefined },
  options: LoginOptions = {},
): Decision {
  const login = handler.login ?? 'optional';
  if (login === 'optional') return CONTINUE;
  const { user, url } = request;
  if (user === undefined) {
    if (handler.authFailAction === 'unauthorized') return { kind: 'status', status: 401 };
    const loginUrl = options.loginUrl ?? '/_ah/login';
    const join = loginUrl.includes('?') ? '&' : '?';
    return {
      kind: 'redirect',
      status: 302,
      location: `${loginUrl}${join}continue=${encodeURIComponent(url.href)}`,
    };
  }
  if (login === 'admin' && !user.isAdmin) return { kind: 'status', status: 401 };
  return CONTINUE;
}
