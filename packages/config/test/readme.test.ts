import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { appSchema, camelToSnake } from '../src/index.js';
import { cronFileSchema } from '../src/schema/cron.js';
import { dispatchFileSchema } from '../src/schema/dispatch.js';
import { queueConfigSchema } from '../src/schema/queue.js';
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

  it('maps every field of dispatch.yaml, cron.yaml and queue.yaml to its camelCase name', () => {
    const missing: string[] = [];
    const walk = (schema: unknown, snake: string, camel: string) => {
      const inner = unwrap(schema as never) as unknown as {
        _zod: { def: { type: string; element?: unknown } };
      };
      if (inner._zod.def.type === 'array') {
        walk(inner._zod.def.element, `${snake}[]`, `${camel}[]`);
        return;
      }
      for (const key of objectKeys(schema as never) ?? []) {
        const s = `${snake === '' ? '' : `${snake}.`}${camelToSnake(key)}`;
        const c = `${camel === '' ? '' : `${camel}.`}${key}`;
        const row = `| \`${s}\` | \`${c}\``;
        if (!readme.includes(row)) missing.push(row);
        walk(unwrapShape(schema, key), s, c);
      }
    };
    for (const schema of [dispatchFileSchema, cronFileSchema, queueConfigSchema])
      walk(schema, '', '');
    expect(missing).toEqual([]);
  });
});

function unwrapShape(schema: unknown, key: string): unknown {
  return (
    unwrap(schema as never) as unknown as { _zod: { def: { shape: Record<string, unknown> } } }
  )._zod.def.shape[key];
}
