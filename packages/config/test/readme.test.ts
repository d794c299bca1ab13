import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { appSchema, camelToSnake } from '../src/index.js';
import { objectKeys, unwrap } from '../src/schema/walk.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

function element(schema: unknown): unknown {
  return (unwrap(schema as never) as unknown as { _zod: { def: { element: unknown } } })._zod.def
    .element;
}

describe('README', () => {
  it('maps every app.yaml element of the schema to its camelCase name', () => {
    const shape = appSchema.shape;
    const nested: [string, unknown][] = [
      ['', appSchema],
      ['handlers[].', element(shape.handlers)],
      ['error_handlers[].', element(shape.errorHandlers)],
      ['libraries[].', element(shape.libraries)],
      ['automatic_scaling.', shape.automaticScaling],
      ['basic_scaling.', shape.basicScaling],
      ['manual_scaling.', shape.manualScaling],
      ['vpc_access_connector.', shape.vpcAccessConnector],
    ];
    const missing: string[] = [];
    for (const [prefix, schema] of nested) {
      for (const key of objectKeys(schema as never) ?? []) {
        const row = `| \`${prefix}${camelToSnake(key)}\` | \`${prefix}${key}\` |`;
        if (!readme.includes(row)) missing.push(row);
      }
    }
    expect(missing).toEqual([]);
  });
});
