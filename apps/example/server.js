// The app itself: a plain node:http server, as App Engine's Node.js runtime starts it
// (`npm start`, listening on $PORT). Any framework works the same way.
import { createServer } from 'node:http';

const port = Number(process.env.PORT ?? 8080);
let served = 0; // module state survives between requests on one instance

const server = createServer((request, response) => {
  served += 1;
  const url = new URL(request.url ?? '/', 'http://localhost');
  if (url.pathname === '/api/hello') {
    const name = url.searchParams.get('name') ?? 'world';
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(
      JSON.stringify({ message: `${process.env.GREETING ?? 'Hello'}, ${name}!`, served }),
    );
    return;
  }
  if (url.pathname === '/env') {
    const visible = Object.fromEntries(
      Object.entries(process.env).filter(
        ([key]) =>
          key.startsWith('GAE_') ||
          ['GREETING', 'LOG_LEVEL', 'NODE_ENV', 'PORT', 'GOOGLE_CLOUD_PROJECT'].includes(key),
      ),
    );
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify(visible, null, 2));
    return;
  }
  if (url.pathname === '/' || url.pathname === '/index.html') {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(`<!doctype html><html><head><title>gaekit example</title><link rel="stylesheet" href="/static/style.css"></head>
<body><h1>gaekit example</h1><p id="greeting">${process.env.GREETING ?? 'Hello'}</p>
<ul><li><a href="/api/hello?name=gaekit">/api/hello</a></li><li><a href="/env">/env</a></li></ul></body></html>`);
    return;
  }
  response.writeHead(404, { 'content-type': 'text/plain' });
  response.end('Not found\n');
});

server.listen(port, () => {
  console.log(`example app listening on http://127.0.0.1:${port}`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
