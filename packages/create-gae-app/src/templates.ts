/** The app templates `create-gae-app` can write. */
export const TEMPLATES = ['fetch', 'hono', 'express'] as const;

/** One of {@link TEMPLATES}: the web framework of the new app. */
export type TemplateName = (typeof TEMPLATES)[number];

/** What each template is, for prompts and `--help`. */
export const TEMPLATE_DESCRIPTIONS: Record<TemplateName, string> = {
  fetch: 'a Web fetch handler (Request in, Response out), no framework',
  hono: 'Hono, served by @hono/node-server',
  express: 'Express 5',
};

/** Versions written into the new app's package.json. */
export interface TemplateVersions {
  cli: string;
  config: string;
  pipeline: string;
}

interface TemplateInput {
  name: string;
  template: TemplateName;
  versions: TemplateVersions;
}

const FRAMEWORK_DEPENDENCIES: Record<TemplateName, Record<string, string>> = {
  fetch: {},
  hono: { '@hono/node-server': '^2.0.0', hono: '^4.10.0' },
  express: { express: '^5.1.0' },
};

function packageJson({ name, template, versions }: TemplateInput): string {
  const pkg = {
    name,
    version: '0.1.0',
    private: true,
    type: 'module',
    engines: { node: '>=20' },
    scripts: {
      start: 'node server.js',
      dev: 'gae dev',
      build: 'gae build',
      test: 'vitest run',
      deploy: 'gae deploy',
    },
    dependencies: FRAMEWORK_DEPENDENCIES[template],
    devDependencies: {
      '@gaekit/cli': versions.cli,
      '@gaekit/config': versions.config,
      '@gaekit/pipeline': versions.pipeline,
      vitest: '^4.0.0',
    },
  };
  return `${JSON.stringify(pkg, null, 2)}\n`;
}

const APP_CONFIG = `import { defineApp } from '@gaekit/config';

// Compiled to app.yaml by \`gae build\`; \`gae dev\` runs the same handlers locally.
export default defineApp(({ mode }) => ({
  runtime: 'nodejs22',
  instanceClass: 'F1',
  automaticScaling: {
    maxInstances: mode === 'production' ? 10 : 2,
  },
  handlers: [
    // Files under public/ are served by App Engine's front end, never reaching the app.
    { url: '/static', staticDir: 'public', expiration: '1h' },
    {
      url: '/favicon\\\\.svg',
      staticFiles: 'public/favicon.svg',
      upload: 'public/favicon\\\\.svg',
      expiration: '7d',
    },
    // Everything else goes to the app.
    { url: '/.*', script: 'auto' },
  ],
}));
`;

const PAGE = (title: string) => `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>${title}</title>
    <link rel="icon" href="/favicon.svg" />
    <link rel="stylesheet" href="/static/style.css" />
  </head>
  <body>
    <main>
      <h1>Hello from App Engine</h1>
      <p>Served by <code>\${service}</code>. Edit <code>src/app.js</code> and save: <code>gae dev</code> reloads.</p>
    </main>
  </body>
</html>
`;

function homePage(name: string): string {
  return `const page = (service) => \`${PAGE(name).trimEnd()}\`;`;
}

const SERVICE = `const service = () => process.env.GAE_SERVICE ?? 'default';`;

function appModule({ name, template }: TemplateInput): string {
  switch (template) {
    case 'fetch':
      return `${SERVICE}
${homePage(name)}

/** A Web fetch handler: gae dev runs it in instances, server.js serves it in production. */
export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === '/') {
      return new Response(page(service()), {
        headers: { 'content-type': 'text/html; charset=utf-8' },
      });
    }
    if (url.pathname === '/api/hello') {
      return Response.json({ message: 'Hello from App Engine', service: service() });
    }
    return new Response('Not found', { status: 404 });
  },
};
`;
    case 'hono':
      return `import { Hono } from 'hono';

${SERVICE}
${homePage(name)}

const app = new Hono();

app.get('/', (c) => c.html(page(service())));
app.get('/api/hello', (c) => c.json({ message: 'Hello from App Engine', service: service() }));

export default app;
`;
    case 'express':
      return `import express from 'express';

${SERVICE}
${homePage(name)}

const app = express();

app.get('/', (_req, res) => {
  res.type('html').send(page(service()));
});
app.get('/api/hello', (_req, res) => {
  res.json({ message: 'Hello from App Engine', service: service() });
});

export default app;
`;
  }
}

function serverModule({ template }: TemplateInput): string {
  switch (template) {
    case 'fetch':
      return `// App Engine starts the app with \`npm start\` and sends requests to PORT.
import { createServer } from 'node:http';
import { Readable } from 'node:stream';
import app from './src/app.js';

const port = Number(process.env.PORT ?? 8080);

createServer(async (req, res) => {
  try {
    const method = req.method ?? 'GET';
    const request = new Request(new URL(req.url ?? '/', \`http://\${req.headers.host ?? 'localhost'}\`), {
      method,
      headers: Object.entries(req.headers).flatMap(([key, value]) =>
        value === undefined ? [] : (Array.isArray(value) ? value : [value]).map((v) => [key, v]),
      ),
      body: method === 'GET' || method === 'HEAD' ? undefined : Readable.toWeb(req),
      duplex: 'half',
    });
    const response = await app.fetch(request);
    res.writeHead(response.status, [...response.headers].flat());
    res.end(Buffer.from(await response.arrayBuffer()));
  } catch (error) {
    console.error(error);
    if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
    res.end('Internal Server Error');
  }
}).listen(port, () => console.log(\`listening on \${port}\`));
`;
    case 'hono':
      return `// App Engine starts the app with \`npm start\` and sends requests to PORT.
import { serve } from '@hono/node-server';
import app from './src/app.js';

const port = Number(process.env.PORT ?? 8080);
serve({ fetch: app.fetch, port }, () => console.log(\`listening on \${port}\`));
`;
    case 'express':
      return `// App Engine starts the app with \`npm start\` and sends requests to PORT.
import app from './src/app.js';

const port = Number(process.env.PORT ?? 8080);
app.listen(port, () => console.log(\`listening on \${port}\`));
`;
  }
}

function testModule({ template }: TemplateInput): string {
  const instances =
    template === 'express'
      ? `// Express is a node:http app: run it as App Engine does, as a process.
  instances: 'process',
  entrypoint: 'node server.js',`
      : `// The fetch handler runs in this thread: fast tests, same front end.
  instances: 'inline',
  module: 'src/app.js',`;
  return `import { fileURLToPath } from 'node:url';
import { createPipeline } from '@gaekit/pipeline';
import { afterAll, expect, test } from 'vitest';

// The whole App Engine front end in-process: handlers, static files, headers, gzip, cache.
const pipeline = createPipeline({
  configPath: fileURLToPath(new URL('..', import.meta.url)),
  ${instances}
});
afterAll(() => pipeline.close());

test('the home page is served by the app', async () => {
  const response = await pipeline.fetch(new Request('https://localhost/'));
  expect(response.status).toBe(200);
  expect(await response.text()).toContain('Hello from App Engine');
});

test('the API answers JSON', async () => {
  const response = await pipeline.fetch(new Request('https://localhost/api/hello'));
  expect(await response.json()).toEqual({ message: 'Hello from App Engine', service: 'default' });
});

test('a missing static file gets the front end 404, not the app', async () => {
  const response = await pipeline.fetch(new Request('https://localhost/static/missing.css'));
  expect(response.status).toBe(404);
  expect(await response.text()).toContain('was not found on this server');
});

test('static files carry the expiration from app.config.ts', async () => {
  const response = await pipeline.fetch(new Request('https://localhost/static/style.css'));
  expect(response.status).toBe(200);
  expect(response.headers.get('cache-control')).toBe('public, max-age=3600');
});
`;
}

const STYLE = `body {
  font-family: system-ui, sans-serif;
  margin: 0;
  display: grid;
  place-items: center;
  min-height: 100vh;
  background: #f8f9fa;
  color: #202124;
}

h1 {
  color: #1a73e8;
}
`;

const FAVICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><circle cx="16" cy="16" r="14" fill="#1a73e8"/></svg>
`;

const GITIGNORE = `node_modules
dist
.gae
`;

const GCLOUDIGNORE = `# Files gcloud app deploy does not upload.
.gcloudignore
.git
.gitignore
node_modules/
test/
`;

function readme({ name, template }: TemplateInput): string {
  return `# ${name}

An App Engine app (${TEMPLATE_DESCRIPTIONS[template]}) configured with [gaekit](https://github.com/gaekit/gaekit).

| command | what it does |
|---|---|
| \`npm run dev\` | \`gae dev\`: App Engine's front end on http://127.0.0.1:8080 (static handlers, expiration headers, gzip, cache, limits, instances, request logs); reloads on change |
| \`npm test\` | runs \`test/\` against the same front end in-process with \`createPipeline\` |
| \`npm run build\` | \`gae build\`: validates \`app.config.ts\` and writes \`app.yaml\` |
| \`npm run deploy\` | \`gae deploy\`: builds, then \`gcloud app deploy\` |
| \`npm start\` | what App Engine runs: \`node server.js\` on \`PORT\` |

- \`app.config.ts\` is your \`app.yaml\`, typed: the handlers, scaling and instance class.
- \`src/app.js\` is the app; \`server.js\` serves it on \`PORT\` as App Engine expects.
- \`public/\` holds static files, served under \`/static\` by the front end.
`;
}

/** Every file of a new app, by relative path. */
export function renderTemplate(input: TemplateInput): Map<string, string> {
  return new Map([
    ['package.json', packageJson(input)],
    ['app.config.ts', APP_CONFIG],
    ['src/app.js', appModule(input)],
    ['server.js', serverModule(input)],
    ['test/app.test.js', testModule(input)],
    ['public/style.css', STYLE],
    ['public/favicon.svg', FAVICON],
    ['README.md', readme(input)],
    ['.gitignore', GITIGNORE],
    ['.gcloudignore', GCLOUDIGNORE],
  ]);
}
