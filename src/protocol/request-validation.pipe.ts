import { ValidationPipe, type ArgumentMetadata, type ValidationError } from '@nestjs/common';
import { ProtocolError, ProtocolErrorCode } from './protocol.error.js';

/**
 * class-validator on request bodies; the first fault becomes a 400 whose `param` is the
 * path OpenAI would name (`messages[0].role`). Unknown fields are dropped, not refused:
 * clients send extras (`metadata`, Open WebUI's `params`, …).
 */
export class RequestValidationPipe extends ValidationPipe {
  constructor() {
    super({
      transform: true,
      whitelist: true,
      forbidNonWhitelisted: false,
      stopAtFirstError: true,
      validationError: { target: false, value: false },
      exceptionFactory: (errors) => {
        const { path, message } = firstFault(errors[0]);
        return new ProtocolError(ProtocolErrorCode.INVALID_REQUEST, `Invalid '${path}': ${message}`, path);
      },
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' && (typeof value !== 'object' || value === null || Array.isArray(value))) {
      throw new ProtocolError(
        ProtocolErrorCode.INVALID_REQUEST,
        "The request body must be a JSON object (send it with 'Content-Type: application/json').",
      );
    }
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
