import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  type ConfigResult,
  cronFromYaml,
  cronToYaml,
  type Diagnostic,
  dispatchFromYaml,
  dispatchToYaml,
  queueFromYaml,
  queueToYaml,
  validateCronYaml,
  validateDispatchYaml,
  validateQueueYaml,
} from '../src/index.js';

/**
 * Hand-written dispatch.yaml, cron.yaml and queue.yaml fixtures. Each invalid one declares the
 * errors it must produce, one `# expect: CODE PATH` line each; `# google: accepts` marks those
 * Google's client-side validator lets through (see scripts/appinfo-check.ts, which checks
 * that Google refuses all the others).
 */
const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));

const KINDS = {
  dispatch: {
    validate: validateDispatchYaml,
    roundTrip: (text: string) => dispatchToYaml(dispatchFromYaml(text)),
    read: (text: string) => dispatchFromYaml(text) as unknown,
  },
  cron: {
    validate: validateCronYaml,
    roundTrip: (text: string) => cronToYaml(cronFromYaml(text)),
    read: (text: string) => cronFromYaml(text) as unknown,
  },
  queue: {
    validate: validateQueueYaml,
    roundTrip: (text: string) => queueToYaml(queueFromYaml(text)),
    read: (text: string) => queueFromYaml(text) as unknown,
  },
} as const satisfies Record<
  string,
  {
    validate: (text: string, options: { fileName: string }) => ConfigResult<unknown>;
    roundTrip: (text: string) => string;
    read: (text: string) => unknown;
  }
>;

function files(kind: string, validity: string): string[] {
  return readdirSync(join(fixtures, kind, validity))
    .filter((name) => name.endsWith('.yaml'))
    .sort();
}

function errorsOf(result: { diagnostics: Diagnostic[] }): Diagnostic[] {
  return result.diagnostics.filter((d) => d.severity === 'error');
}

describe.each(Object.entries(KINDS))('%s.yaml fixtures', (kind, api) => {
  it('exist', () => {
    expect(files(kind, 'valid').length).toBeGreaterThanOrEqual(3);
    expect(files(kind, 'invalid').length).toBeGreaterThanOrEqual(12);
  });

  it.each(files(kind, 'valid'))('valid/%s is valid and survives a round trip', (name) => {
    const path = join(fixtures, kind, 'valid', name);
    const text = readFileSync(path, 'utf8');
    const result = api.validate(text, { fileName: path });
    expect(errorsOf(result)).toEqual([]);
    expect(result.success).toBe(true);
    const emitted = api.roundTrip(text);
    expect(api.read(emitted)).toEqual(api.read(text));
    expect(api.roundTrip(emitted)).toBe(emitted);
  });

  it.each(files(kind, 'invalid'))('invalid/%s fails with the declared errors', (name) => {
    const path = join(fixtures, kind, 'invalid', name);
    const text = readFileSync(path, 'utf8');
    const expected = [...text.matchAll(/^# expect: (\S+) ?(.*)$/gm)].map(
      ([, code, pathText]) => `${code} ${pathText}`,
    );
    expect(expected.length).toBeGreaterThan(0);
    const result = api.validate(text, { fileName: path });
    expect(result.success).toBe(false);
    const errors = errorsOf(result);
    expect(errors.map((d) => `${d.code} ${d.pathText}`).sort()).toEqual(expected.sort());
    for (const d of errors) {
      expect(d.file).toBe(path);
      expect(d.line).toBeGreaterThanOrEqual(1);
      expect(d.column).toBeGreaterThanOrEqual(1);
      expect(d.message.length).toBeGreaterThan(10);
    }
  });
});
