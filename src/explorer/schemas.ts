import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type Ajv2020Class from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';

/**
 * The published JSON Schemas of the files the tool writes and reads
 * (`schema/*.schema.json` in the package): the structure of a trace, a
 * shard file and a checkpoint is checked against them with Ajv, so that
 * other tools can read our files by the same rules and a malformed file is
 * refused with one line naming the field. What the values mean is checked
 * elsewhere (replay re-runs a trace; merge re-checks shard totals).
 */
export const SCHEMAS = ['trace-1', 'shard-1', 'checkpoint-1'] as const;
export type SchemaName = (typeof SCHEMAS)[number];

// Ajv takes a fifth of a second to load: it is loaded when a file is first read, not with every command.
// It is CommonJS, so a plain require loads it synchronously; its class is the module's `default`.
type Ajv2020 = Ajv2020Class.default;
function newAjv(): Ajv2020 {
  const mod = createRequire(import.meta.url)('ajv/dist/2020.js') as { default: typeof Ajv2020Class.default };
  return new mod.default({ allErrors: false, strict: true, allowUnionTypes: true });
}

/** The package's schema/ folder: found upward from this module (src/explorer or dist/src/explorer). */
function schemaDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'schema');
    if (existsSync(join(candidate, 'trace-1.schema.json'))) return candidate;
    const up = dirname(dir);
    if (up === dir) throw new Error('the schema/ folder of the package is missing');
    dir = up;
  }
}

let ajv: Ajv2020 | null = null;
const compiled = new Map<SchemaName, ValidateFunction>();

/** The schema's text, as published. */
export function schemaText(name: SchemaName): string {
  return readFileSync(join(schemaDir(), `${name}.schema.json`), 'utf8');
}

function validator(name: SchemaName): ValidateFunction {
  const have = compiled.get(name);
  if (have !== undefined) return have;
  if (ajv === null) {
    ajv = newAjv();
    // a schema may refer to another's definitions (a checkpoint holds slice results as a shard file does)
    for (const other of SCHEMAS) ajv.addSchema(JSON.parse(schemaText(other)) as object);
  }
  const v = ajv.getSchema(`urn:ptrace-mc:schema:${name}`);
  if (v === undefined) throw new Error(`schema ${name} is missing`);
  compiled.set(name, v);
  return v;
}

/** Checks a parsed file against a schema: null when it conforms, else one line naming the field and what is wrong. */
export function schemaError(name: SchemaName, data: unknown): string | null {
  const v = validator(name);
  if (v(data)) return null;
  const e = v.errors?.[0];
  return e ? describe(e) : 'does not match its schema';
}

/** `/steps/3/changes/0/path` → `steps[3].changes[0].path` */
function fieldName(pointer: string): string {
  let out = '';
  for (const raw of pointer.split('/').slice(1)) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    out += /^\d+$/.test(part) ? `[${part}]` : out === '' ? part : `.${part}`;
  }
  return out;
}

function describe(e: ErrorObject): string {
  const at = fieldName(e.instancePath);
  const field = (name: string) => (at === '' ? name : `${at}.${name}`);
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return `"${field(String(p.missingProperty))}" is missing`;
    case 'additionalProperties':
      return `"${field(String(p.additionalProperty))}" is not a field of this format`;
    case 'const':
      return `"${at}" must be ${JSON.stringify(p.allowedValue)}`;
    case 'enum':
      return `"${at}" must be one of ${(p.allowedValues as unknown[]).map((x) => JSON.stringify(x)).join(', ')}`;
    case 'propertyNames':
      return `"${at}" has a key ${JSON.stringify(p.propertyName)} of the wrong form`;
    case 'oneOf':
    case 'anyOf':
      return `"${at}" has the wrong type or form`;
    default:
      return `"${at || '(the file)'}" ${e.message ?? 'is not valid'}`;
  }
}
