// Includes are merged as Google's appinfo_includes does; old element names are read as the new ones.
import { describe, expect, it } from 'vitest';
import { validateAppYaml } from '../src/index.js';

const files: Record<string, string> = {
  '/app/a.yaml': 'handlers:\n- url: /a\n  script: a.app\n',
  '/app/b.yaml': 'handlers:\n- url: /b\n  script: b.app\nincludes:\n- d.yaml\n',
  '/app/c.yaml': 'includes:\n- d.yaml\n',
  '/app/d.yaml': 'handlers:\n- url: /d\n  script: d.app\n',
  '/app/bad.yaml': 'env_variables:\n  GAE_X: y\nskip_files:\n- "(unclosed"\n',
};
const readFile = (path: string) => {
  const text = files[path];
  if (text === undefined) throw new Error(`ENOENT: ${path}`);
  return text;
};
const base =
  'runtime: python27\napi_version: 1\nthreadsafe: true\nhandlers:\n- url: /main\n  script: main.app\n';

describe('includes, as appinfo_includes merges them', () => {
  it('keeps included head handlers in include order, nested includes after their includer', () => {
    const result = validateAppYaml(`${base}includes:\n- a.yaml\n- b.yaml\n`, {
      fileName: '/app/app.yaml',
      readFile,
    });
    expect(result.data?.handlers?.map((h) => h.url)).toEqual(['/a', '/b', '/d', '/main']);
  });

  it('includes a file reached twice only once', () => {
    const result = validateAppYaml(`${base}includes:\n- b.yaml\n- c.yaml\n`, {
      fileName: '/app/app.yaml',
      readFile,
    });
    expect(result.data?.handlers?.map((h) => h.url)).toEqual(['/b', '/d', '/main']);
  });

  it('reports a problem of an included file once, where it is written', () => {
    const result = validateAppYaml(`${base}env_variables:\n  GAE_Y: z\nincludes:\n- bad.yaml\n`, {
      fileName: '/app/app.yaml',
      readFile,
    });
    expect(
      result.diagnostics.map((d) => `${d.file}:${d.line} ${d.code} ${d.pathText}`).sort(),
    ).toEqual([
      '/app/app.yaml:8 config/reserved-env-name env_variables.GAE_Y',
      '/app/bad.yaml:2 config/reserved-env-name env_variables.GAE_X',
      '/app/bad.yaml:4 config/invalid-regex skip_files[0]',
    ]);
  });

  it('writes the path of a missing include as includes[N]', () => {
    const result = validateAppYaml(`${base}includes:\n- a.yaml\n- nope.yaml\n`, {
      fileName: '/app/app.yaml',
      readFile,
    });
    expect(result.diagnostics).toMatchObject([
      { code: 'config/include-not-found', path: ['includes', 1], pathText: 'includes[1]' },
    ]);
  });
});

describe('project, the other old name of application', () => {
  it('is accepted', () => {
    expect(
      validateAppYaml(
        'runtime: python27\napi_version: 1\nthreadsafe: true\nproject: p\nhandlers:\n- url: /.*\n  script: main.app\n',
      ).success,
    ).toBe(true);
  });

  it('cannot be used together with application', () => {
    const result = validateAppYaml('runtime: nodejs22\nproject: a\napplication: b\n');
    expect(
      result.diagnostics.filter((d) => d.severity === 'error').map((d) => [d.code, d.pathText]),
    ).toEqual([['config/conflict', 'project']]);
  });
});

describe('booleans written as 1 and 0', () => {
  it('reads them as App Engine does', () => {
    const result = validateAppYaml(
      'runtime: nodejs22\nhandlers:\n- url: /s\n  static_dir: s\n  require_matching_file: 1\n- url: /.*\n  script: auto\n',
    );
    expect(result.diagnostics).toEqual([]);
    expect(result.data?.handlers?.[0]?.requireMatchingFile).toBe(true);
  });
});
