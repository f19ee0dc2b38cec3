import {
  ValidationPipe,
  type ArgumentMetadata,
  type ValidationError,
  type ValidationPipeOptions,
} from '@nestjs/common';
import { Ajv, type ValidateFunction } from 'ajv';
import { ChatCompletionRequestDto } from './dto/chat-completion-request.dto.js';
import { chatCompletionRequestSchema } from './dto/chat-completion-request.schema.js';
import { ProtocolError, ProtocolErrorCode } from './protocol.error.js';

/** How bodies are checked against their DTO (the contract). */
export const DTO_VALIDATION: ValidationPipeOptions = {
  transform: true,
  whitelist: true,
  forbidNonWhitelisted: false,
  stopAtFirstError: true,
  // Values: to name the element of an array that is not an object (`messages[2]`).
  validationError: { target: false, value: true },
  exceptionFactory: (errors) => {
    const { path, message } = firstFault(errors[0]);
    return new ProtocolError(
      ProtocolErrorCode.INVALID_REQUEST,
      `Invalid '${path}': ${message}`,
      path,
    );
  },
};

/**
 * How deep a body's values may nest. Real bodies, tools' JSON Schemas included, stay far
 * below; JSON.parse takes any depth, but code that recurses over a body (class-transformer,
 * `JSON.stringify` on the way to a provider) overflows the stack at a few thousand levels.
 */
const MAX_DEPTH = 64;

/** Compiled fast paths by DTO: a body they accept is already what the DTO would yield. */
const fastPaths = new Map<unknown, ValidateFunction>([
  [
    ChatCompletionRequestDto,
    new Ajv({ allErrors: false, allowUnionTypes: true }).compile(chatCompletionRequestSchema),
  ],
]);

/**
 * class-validator on request bodies; the first fault becomes a 400 whose `param` is the
 * path OpenAI would name (`messages[0].role`). Unknown fields are dropped, not refused:
 * clients send extras (`metadata`, Open WebUI's `params`, …). Common well-formed bodies
 * take a compiled fast path (see `chat-completion-request.schema.ts`).
 */
export class RequestValidationPipe extends ValidationPipe {
  constructor() {
    super(DTO_VALIDATION);
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type !== 'body') return super.transform(value, metadata);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new ProtocolError(
        ProtocolErrorCode.INVALID_REQUEST,
        "The request body must be a JSON object (send it with 'Content-Type: application/json').",
      );
    }
    const fields = value as Record<string, unknown>;
    const deep = Object.keys(fields).find((key) => nestedDeeper(fields[key], MAX_DEPTH - 1));
    if (deep !== undefined) {
      const param = deep.length > 64 ? `${deep.slice(0, 63)}…` : deep;
      throw new ProtocolError(
        ProtocolErrorCode.INVALID_REQUEST,
        `Invalid '${param}': nested more than ${MAX_DEPTH} levels deep`,
        param,
      );
    }
    if (fastPaths.get(metadata.metatype)?.(value)) return value;
    return super.transform(value, metadata);
  }
}

/** Whether objects and arrays nest more than `levels` deep in `value` (looks no deeper). */
function nestedDeeper(value: unknown, levels: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (levels === 0) return true;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (nestedDeeper(value[i], levels - 1)) return true;
    return false;
  }
  for (const key in value) {
    if (nestedDeeper((value as Record<string, unknown>)[key], levels - 1)) return true;
  }
  return false;
}

function firstFault(error: ValidationError, prefix = ''): { path: string; message: string } {
  const path = /^\d+$/.test(error.property)
    ? `${prefix}[${error.property}]`
    : prefix
      ? `${prefix}.${error.property}`
      : error.property;
  // class-validator blames the whole array for an element that is not an object (its
  // message then says "each value in …"; a lone object field sent as an array is not this).
  const constraints = error.constraints ?? {};
  const perElement = constraints.isObject ?? constraints.nestedValidation;
  if (perElement?.startsWith('each value in') && Array.isArray(error.value)) {
    const at = (error.value as unknown[]).findIndex(
      (v) => typeof v !== 'object' || v === null || Array.isArray(v),
    );
    if (at >= 0) return { path: `${path}[${at}]`, message: 'must be an object' };
  }
  const constraint = Object.values(constraints)[0];
  if (constraint) return { path, message: constraint };
  const child = error.children?.[0];
  if (child) return firstFault(child, path);
  return { path, message: 'invalid value' };
}
