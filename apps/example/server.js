// The app itself: a plain node:http server, as App Engine's Node.js runtime starts it
// (`npm start`, listening on $PORT). Any framework works the same way.
import { createServer } from 'node:http';

const port = Number(process.env.PORT ?? 8080);
let served = 0; // module state survives between requests on one instance

const page = (title, body) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<link rel="stylesheet" href="/static/style.css"></head>
<body><main>${body}</main></body></html>`;

function send(response, status, type, body, headers = {}) {
  response.writeHead(status, { 'content-type': type, ...headers });
  response.end(body);
}

/** One structured log line: App Engine reads `severity` from JSON on stdout. */
function log(severity, message, request) {
  const trace = request.headers['x-cloud-trace-context']?.split('/')[0];
  const line = { severity, message };
  if (trace) line['logging.googleapis.com/trace'] = trace;
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

const server = createServer((request, response) => {
  served += 1;
  const url = new URL(request.url ?? '/', 'http://localhost');
  switch (url.pathname) {
    case '/':
    case '/index.html':
      return send(
        response,
        200,
        'text/html; charset=utf-8',
        page(
          'gaekit example',
          `<h1>gaekit example</h1>
<p id="greeting">${process.env.GREETING ?? 'Hello'}</p>
<img src="/images/logo.svg" alt="gaekit logo" width="64" height="64">
<ul>
<li><a href="/api/hello?name=gaekit">/api/hello</a>: JSON from the app</li>
<li><a href="/env">/env</a>: the App Engine environment variables</li>
<li><a href="/log">/log</a>: one log line at every level, grouped under the request</li>
<li><a href="/slow?ms=2000">/slow</a>: a slow handler (set a short deadline to see the timeout page)</li>
<li><a href="/account/">/account/</a>: <code>secure: always</code></li>
</ul>`,
        ),
      );
    case '/api/hello': {
      const name = url.searchParams.get('name') ?? 'world';
      return send(
        response,
        200,
        'application/json',
        JSON.stringify({ message: `${process.env.GREETING ?? 'Hello'}, ${name}!`, served }),
      );
    }
    case '/env': {
      const visible = Object.fromEntries(
        Object.entries(process.env).filter(
          ([key]) =>
            key.startsWith('GAE_') ||
            [
              'GREETING',
              'LOG_LEVEL',
              'NODE_ENV',
              'PORT',
              'GOOGLE_CLOUD_PROJECT',
              'SERVER_SOFTWARE',
            ].includes(key),
        ),
      );
      return send(response, 200, 'application/json', JSON.stringify(visible, null, 2));
    }
    case '/log':
      for (const severity of ['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL']) {
        log(severity, `a ${severity.toLowerCase()} line`, request);
      }
      return send(response, 200, 'text/plain', 'logged one line at each level\n');
    case '/slow': {
      const ms = Math.min(Number(url.searchParams.get('ms') ?? 1000) || 0, 30 * 60 * 1000);
      setTimeout(() => send(response, 200, 'text/plain', `done after ${ms} ms\n`), ms);
      return;
    }
    case '/account/':
      return send(
        response,
        200,
        'text/html; charset=utf-8',
        page(
          'account',
          `<h1>Account</h1><p>Served over ${request.headers['x-forwarded-proto']}.</p>`,
        ),
      );
    default:
      return send(response, 404, 'text/plain', 'Not found\n');
  }
});

server.listen(port, () => {
  console.log(`example app listening on http://127.0.0.1:${port}`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
