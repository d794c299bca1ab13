import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const gae = fileURLToPath(new URL('../../../packages/cli/bin/gae.js', import.meta.url));
const run = promisify(execFile);

interface Hello {
  message: string;
  served: number;
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

function chromiumPath(): string | undefined {
  for (const path of ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome']) {
    if (existsSync(path)) return path;
  }
  return undefined;
}

describe('example app', () => {
  it('has an app.yaml that matches app.config.ts', async () => {
    const { stderr } = await run(process.execPath, [gae, 'build', '--check'], { cwd: root });
    expect(stderr).toContain('app.yaml is up to date');
  });

  describe('gae dev', () => {
    let child: ChildProcess;
    let base: string;
    let output = '';

    beforeAll(async () => {
      const port = await freePort();
      base = `http://127.0.0.1:${port}`;
      child = spawn(process.execPath, [gae, 'dev', '--port', String(port), '--no-watch'], {
        cwd: root,
        env: { ...process.env, NO_COLOR: '1' },
      });
      child.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      child.stderr?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      // Wait for the banner (bounded: the hook timeout ends a hang).
      while (!output.includes('Local:')) {
        if (child.exitCode !== null) throw new Error(`gae dev exited: ${output}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }, 30_000);

    afterAll(async () => {
      if (child.exitCode === null) {
        child.kill('SIGINT');
        await once(child, 'exit');
      }
    });

    it('prints the handler table and the URL', () => {
      expect(output).toMatch(/\/static\s+→ static dir {2}public/);
      expect(output).toMatch(/\/account\/\.\*\s+→ app\s+script: auto\s+\(secure: always\)/);
      expect(output).toContain(`Local:   ${base}/`);
    });

    it('serves the page with the front end’s headers', async () => {
      const res = await fetch(`${base}/`);
      expect(res.status).toBe(200);
      expect(res.headers.get('server')).toBe('Google Frontend');
      expect(await res.text()).toContain('Hello from App Engine');
    });

    it('serves static files with their expiration and http_headers', async () => {
      const css = await fetch(`${base}/static/style.css`);
      expect(css.status).toBe(200);
      expect(css.headers.get('cache-control')).toBe('public, max-age=604800');
      expect(css.headers.get('strict-transport-security')).toBe(
        'max-age=31536000; includeSubDomains',
      );
      const logo = await fetch(`${base}/images/logo.svg`);
      expect(logo.status).toBe(200);
      expect(logo.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
      expect(logo.headers.get('cache-control')).toBe('public, max-age=3600');
    });

    it('serves the API, keeping module state between requests', async () => {
      const first = (await (await fetch(`${base}/api/hello?name=test`)).json()) as Hello;
      const second = (await (await fetch(`${base}/api/hello`)).json()) as Hello;
      expect(first.message).toBe('Hello from App Engine, test!');
      expect(second.served).toBeGreaterThan(first.served);
    });

    it('gives the app the App Engine environment and the development env_variables', async () => {
      const env = await (await fetch(`${base}/env`)).json();
      expect(env).toMatchObject({
        GAE_SERVICE: 'default',
        GAE_RUNTIME: 'nodejs22',
        GAE_ENV: 'standard',
        LOG_LEVEL: 'debug',
        SERVER_SOFTWARE: 'Development/2.0',
      });
    });

    it('redirects /account/ to https (secure: always)', async () => {
      const res = await fetch(`${base}/account/?tab=1`, { redirect: 'manual' });
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe(`https://${new URL(base).host}/account/?tab=1`);
    });

    it('logs one line per request and the app’s lines at every level', async () => {
      await fetch(`${base}/log`);
      for (let i = 0; i < 40 && !output.includes('a critical line'); i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(output).toMatch(/GET \/log 200/);
      for (const level of ['debug', 'info', 'warning', 'error', 'critical']) {
        expect(output).toContain(`a ${level} line`);
      }
    });

    it('renders in Chromium with its stylesheet and image', async () => {
      const executablePath = chromiumPath();
      expect(executablePath, 'Chromium is installed by .ci/run').toBeDefined();
      const browser = await chromium.launch({
        executablePath,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
      });
      try {
        const page = await browser.newPage();
        const response = await page.goto(`${base}/`);
        expect(response?.status()).toBe(200);
        expect(await page.textContent('#greeting')).toBe('Hello from App Engine');
        // style.css loaded through the static handler and applied.
        const loaded = await page.evaluate(() => document.styleSheets.length);
        expect(loaded).toBeGreaterThan(0);
        const imageWidth = await page.$eval('img', (img) => (img as HTMLImageElement).naturalWidth);
        expect(imageWidth).toBeGreaterThan(0);
      } finally {
        await browser.close();
      }
    }, 60_000);
  });
});
