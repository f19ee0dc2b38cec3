import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { JsonSchema } from './tool.decorator.js';

/** Validates a parsed arguments object; returns a message for the model, or undefined when valid. */
export type ArgumentsCheck = (args: unknown) => string | undefined;

const addFormats = addFormatsModule as unknown as (ajv: Ajv | Ajv2020) => void;
const NEWER_DRAFT = /draft\/(2019-09|2020-12)\/schema/;
const MAX_REPORTED = 5;

/**
 * Compiles tool parameter schemas once (at registration) with ajv. Schemas declaring
 * draft 2019-09/2020-12 (as MCP servers built on zod do) get the matching dialect; the
 * rest draft-07. Defaults declared in the schema are filled in.
 */
export class ToolArguments {
  private draft07?: Ajv;
  private draft2020?: Ajv2020;

  /** Throws when the schema itself is invalid: the message names what is wrong. */
  compile(schema: JsonSchema): ArgumentsCheck {
    const validate = this.ajvFor(schema).compile(schema) as ValidateFunction;
    return (args) => (validate(args) ? undefined : describe(validate.errors ?? []));
  }

  private ajvFor(schema: JsonSchema): Ajv | Ajv2020 {
    const options = { strict: false, allErrors: true, useDefaults: true } as const;
    if (typeof schema.$schema === 'string' && NEWER_DRAFT.test(schema.$schema)) {
      if (!this.draft2020) addFormats((this.draft2020 = new Ajv2020(options)));
      return this.draft2020;
    }
    if (!this.draft07) addFormats((this.draft07 = new Ajv(options)));
    return this.draft07;
  }
}

function describe(errors: ErrorObject[]): string {
  const lines = errors.slice(0, MAX_REPORTED).map((e) => {
    const at = `arguments${e.instancePath.replace(/\//g, '.')}`;
    if (e.keyword === 'additionalProperties') {
      return `${at}: unknown property '${String((e.params as { additionalProperty: string }).additionalProperty)}'`;
    }
    return `${at}: ${e.message ?? 'is invalid'}`;
  });
  if (errors.length > MAX_REPORTED) lines.push(`(${errors.length - MAX_REPORTED} more)`);
  return lines.join('; ');
}
