import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AppConfig, fromYaml, parseApp, toYaml, validateApp } from '../src/index.js';
import { appArbitrary as app } from './arbitraries.js';

describe('round trip', () => {
  it('generated configs are valid (the generator itself is checked)', () => {
    fc.assert(
      fc.property(app, (config) => {
        const result = validateApp(config);
        if (!result.success) throw new Error(JSON.stringify(result.diagnostics, null, 2));
      }),
      { numRuns: 200 },
    );
  });

  it('fromYaml(toYaml(config)) equals config', () => {
    fc.assert(
      fc.property(app, (config) => {
        expect(fromYaml(toYaml(config))).toEqual(parseApp(config));
      }),
      { numRuns: 300 },
    );
  });

  it('toYaml is deterministic and does not depend on key order', () => {
    fc.assert(
      fc.property(app, (config) => {
        const reversed = Object.fromEntries(Object.entries(config).reverse()) as AppConfig;
        expect(toYaml(reversed)).toBe(toYaml(config));
      }),
      { numRuns: 100 },
    );
  });

  it('toYaml(fromYaml(yaml)) means the same as the original YAML', () => {
    const original = `# hand written, with YAML 1.1 spellings
runtime: nodejs22
service: api
instance_class: F2
automatic_scaling:
  max_concurrent_requests: 80
  min_idle_instances: automatic
  max_pending_latency: 30ms
env_variables:
  FLAG: 'yes'
  RATIO: 1.50
  TIME: 12:30
handlers:
  - url: /static
    static_dir: public
    expiration: "1d 12h"
    require_matching_file: on
  - url: /.*
    script: auto
    secure: always
    redirect_http_response_code: '301'
`;
    const config = fromYaml(original);
    expect(config.envVariables).toEqual({ FLAG: 'yes', RATIO: '1.50', TIME: '12:30' });
    expect(config.handlers?.[0]?.requireMatchingFile).toBe(true);
    expect(config.handlers?.[1]?.redirectHttpResponseCode).toBe(301);
    expect(fromYaml(toYaml(config))).toEqual(config);
  });

  it("quotes what App Engine's YAML reader (PyYAML) would misread unquoted", () => {
    const yaml = toYaml({
      runtime: 'nodejs22',
      envVariables: { A: '=', B: 'tab\there', C: '<<', D: 'yes', E: '1:30' },
    });
    expect(yaml).toContain('A: "="\n');
    expect(yaml).toContain('B: "tab\\there"\n');
    expect(yaml).toContain('C: "<<"\n');
    expect(yaml).toContain('D: "yes"\n');
    expect(yaml).toContain('E: "1:30"\n');
  });

  it('writes a stable, readable app.yaml', () => {
    expect(
      toYaml({
        handlers: [
          { url: '/.*', script: 'auto', secure: 'always' },
          {
            expiration: '7d',
            staticDir: 'public',
            url: '/assets',
            httpHeaders: { 'Strict-Transport-Security': 'max-age=31536000' },
          },
        ],
        envVariables: { GREETING: 'yes', LONG: 'x'.repeat(150) },
        automaticScaling: { maxInstances: 5 },
        runtime: 'nodejs22',
      }),
    ).toMatchInlineSnapshot(`
      "runtime: nodejs22
      automatic_scaling:
        max_instances: 5
      env_variables:
        GREETING: "yes"
        LONG: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx
      handlers:
      - url: /.*
        script: auto
        secure: always
      - url: /assets
        static_dir: public
        expiration: 7d
        http_headers:
          Strict-Transport-Security: max-age=31536000
      "
    `);
  });
});
