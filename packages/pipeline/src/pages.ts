import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { AppConfig } from '@gaekit/config';
import type { ResponseRecord } from '@gaekit/scheduler';

const encoder = new TextEncoder();

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Google's front-end error page layout. */
function googlePage(status: number, title: string, heading: string, message: string): string {
  return `<html><head>\n<meta http-equiv="content-type" content="text/html;charset=utf-8">\n<title>${status} ${title}</title>\n</head>\n<body text=#000000 bgcolor=#ffffff>\n<h1>Error: ${heading}</h1>\n<h2>${message}</h2>\n<h2></h2>\n</body></html>\n`;
}

/** A complete HTML response record. */
export function htmlResponse(
  status: number,
  html: string,
  extra: [string, string][] = [],
): ResponseRecord {
  const body = encoder.encode(html);
  return {
    status,
    headers: [['Content-Type', 'text/html; charset=UTF-8'], ...extra],
    body,
  };
}

/** Google's 404 page, naming the path that was not found. */
export function notFoundPage(path: string): ResponseRecord {
  return htmlResponse(
    404,
    googlePage(
      404,
      'Not Found',
      'Not Found',
      `The requested URL <code>${escapeHtml(path)}</code> was not found on this server.`,
    ),
  );
}

/** Google's 401 page (login: admin for a signed-in non-admin, auth_fail_action: unauthorized). */
export function unauthorizedPage(): ResponseRecord {
  return htmlResponse(
    401,
    googlePage(401, 'Unauthorized', 'Unauthorized', 'Login is required to access this page.'),
    [['Cache-Control', 'no-cache']],
  );
}

/** A redirect with an empty body. */
export function redirectResponse(status: number, location: string): ResponseRecord {
  return {
    status,
    headers: [
      ['Location', location],
      ['Content-Type', 'text/html; charset=UTF-8'],
    ],
    body: new Uint8Array(0),
  };
}

/** Which `error_handlers` page applies. */
export type ErrorPageKind = 'default' | 'over_quota' | 'timeout' | 'dos_api_denial';

/** The `error_handlers` files of one service, read once at start. */
export interface ErrorPages {
  /** The custom page for a platform error, or `undefined` to keep the platform's page. */
  page(kind: ErrorPageKind, status: number): ResponseRecord | undefined;
}

/** Reads a service's `error_handlers` files (each under 10 KB, spec §1.12) relative to `root`. */
export function loadErrorPages(config: AppConfig, root: string): ErrorPages {
  const pages = new Map<ErrorPageKind, { body: Uint8Array; type: string }>();
  for (const handler of config.errorHandlers ?? []) {
    const kind = (handler.errorCode ?? 'default') as ErrorPageKind;
    try {
      const body = readFileSync(resolve(root, handler.file));
      pages.set(kind, { body: new Uint8Array(body), type: handler.mimeType ?? 'text/html' });
    } catch {
      // A missing file keeps the platform's page; loadConfig and `gae validate` report it.
    }
  }
  return {
    page(kind, status) {
      const chosen = pages.get(kind) ?? pages.get('default');
      if (!chosen) return undefined;
      return { status, headers: [['Content-Type', chosen.type]], body: chosen.body };
    },
  };
}
