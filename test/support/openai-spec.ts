import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parse } from 'yaml';

/**
 * Validates what the service sends against OpenAI's official OpenAPI spec (v2.3.0, vendored
 * in `test/spec/` so a clean clone can test): the spec, not memory, is the reference.
 */
const SPEC_PATH = fileURLToPath(new URL('../spec/openai-openapi.yaml', import.meta.url));

let ajv: Ajv | undefined;
const validators = new Map<string, ValidateFunction>();

interface Spec {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
}

interface Operation {
  operationId?: string;
  responses?: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>;
}

let spec: Spec | undefined;

function compile(): Ajv {
  spec ??= parse(readFileSync(SPEC_PATH, 'utf8'), { maxAliasCount: -1 }) as Spec;
  const instance = new Ajv({ strict: false, allErrors: true, validateFormats: true });
  const addFormats = addFormatsModule as unknown as (ajv: Ajv) => void;
  addFormats(instance);
  instance.addFormat('unixtime', {
    type: 'number',
    validate: (n: number) => Number.isInteger(n) && n >= 0,
  });
  instance.addSchema({
    $id: 'openai',
    components: { schemas: normalize(spec.components.schemas) },
  });
  return instance;
}

/**
 * The spec mixes OpenAPI 3.0's `nullable: true` with 3.1's `type: "null"`; ajv speaks JSON
 * Schema, so `nullable` becomes an explicit null alternative.
 */
function normalize(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(normalize);
  if (typeof node !== 'object' || node === null) return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) out[key] = normalize(value);
  if (out.nullable === true) {
    delete out.nullable;
    if (typeof out.type === 'string') out.type = [out.type, 'null'];
    else return { anyOf: [out, { type: 'null' }] };
    if (Array.isArray(out.enum)) out.enum = [...(out.enum as unknown[]), null];
  }
  return out;
}

/** Throws with ajv's findings when `value` does not conform to `components.schemas[name]`. */
export function assertMatchesSpec(name: string, value: unknown): void {
  ajv ??= compile();
  let validate = validators.get(name);
  if (!validate) {
    validate = ajv.compile({ $ref: `openai#/components/schemas/${name}` });
    validators.set(name, validate);
  }
  if (!validate(value)) {
    throw new Error(
      `${name} does not match OpenAI's spec:\n${JSON.stringify(validate.errors, null, 2)}\n${JSON.stringify(value)}`,
    );
  }
}

/**
 * Throws when `value` is not what operation `operationId` (e.g. `usage-completions`) answers
 * with `status`, as its JSON schema in the spec's `paths` says.
 */
export function assertMatchesResponse(operationId: string, value: unknown, status = '200'): void {
  ajv ??= compile();
  const operation = Object.values(spec!.paths)
    .flatMap((methods) => Object.values(methods))
    .find((op) => op.operationId === operationId);
  const ref = operation?.responses?.[status]?.content?.['application/json']?.schema?.$ref;
  const name = ref?.match(/^#\/components\/schemas\/(.+)$/)?.[1];
  if (!name) throw new Error(`no JSON schema for operation ${operationId}, status ${status}`);
  assertMatchesSpec(name, value);
}
