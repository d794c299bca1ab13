import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { BROWSER_UA, ensureBuilt, packageDir, tempDir, textBody } from './helpers.js';

describe('built package', () => {
  beforeAll(() => ensureBuilt());

  it('works from dist as users import it', async () => {
    const edge = (await import(`${packageDir}dist/index.js`)) as typeof import('../src/index.js');
    const request = {
      method: 'GET',
      url: 'https://app.example/',
      headers: [
        ['Accept-Encoding', 'gzip'],
        ['User-Agent', BROWSER_UA],
      ] as [string, string][],
    };
    const body = textBody();
    const zipped = await edge.compressResponse(request, {
      status: 200,
      headers: [
        ['Content-Type', 'text/html'],
        ['Cache-Control', 'public, max-age=60'],
      ],
      body,
    });
    expect(new Uint8Array(gunzipSync(zipped.body))).toEqual(body);
    const cache = edge.createEdgeCache({ maxBytes: 1 << 20 });
    expect(cache.store(request, zipped)).toBe('stored');
    expect(cache.lookup(request)?.body).toBe(zipped.body);
    const { dir, remove } = tempDir();
    try {
      const statics = edge.createStaticFiles({ root: dir, watch: false });
      expect(
        (
          await statics.serve(
            'none.txt',
            { url: '/', staticFiles: 'none.txt', upload: 'none.txt' },
            request,
          )
        ).status,
      ).toBe(404);
      statics.close();
    } finally {
      remove();
    }
  });
});
