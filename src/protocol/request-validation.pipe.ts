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
  validationError: { target: false, value: false },
  exceptionFactory: (errors) => {
    const { path, message } = firstFault(errors[0]);
    return new ProtocolError(
      ProtocolErrorCode.INVALID_REQUEST,
      `Invalid '${path}': ${message}`,
      path,
    );
  },
};

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
    if (
      metadata.type === 'body' &&
      (typeof value !== 'object' || value === null || Array.isArray(value))
    ) {
      throw new ProtocolError(
        ProtocolErrorCode.INVALID_REQUEST,
        "The request body must be a JSON object (send it with 'Content-Type: application/json').",
      );
    }
    if (metadata.type === 'body' && fastPaths.get(metadata.metatype)?.(value)) return value;
    return super.transform(value, metadata);
  }
}

function firstFault(error: ValidationError, prefix = ''): { path: string; message: string } {
  const path = /^\d+$/.test(error.property)
    ? `${prefix}[${error.property}]`
    : prefix
      ? `${prefix}.${error.property}`
      : error.property;
  const constraint = error.constraints && Object.values(error.constraints)[0];
  if (constraint) return { path, message: constraint };
  const child = error.children?.[0];
  if (child) return firstFault(child, path);
  return { path, message: 'invalid value' };
}
