import {
  registerDecorator,
  type ValidationArguments,
  type ValidationOptions,
} from 'class-validator';

const PART_CHECKS: Record<string, (part: Record<string, unknown>) => boolean> = {
  text: (p) => typeof p.text === 'string',
  image_url: (p) => isObject(p.image_url) && typeof p.image_url.url === 'string',
  input_audio: (p) =>
    isObject(p.input_audio) &&
    typeof p.input_audio.data === 'string' &&
    typeof p.input_audio.format === 'string',
  file: (p) => isObject(p.file),
  refusal: (p) => typeof p.refusal === 'string',
};

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The first bad content part's index, or -1; content parts are a union class-validator cannot express. */
function invalidPartIndex(parts: unknown[]): number {
  return parts.findIndex((part) => {
    if (!isObject(part) || typeof part.type !== 'string') return true;
    const check = PART_CHECKS[part.type];
    return !check || !check(part);
  });
}

/** `content`: a string, an array of content parts, or null (assistant turns with tool calls). */
export function IsMessageContent(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isMessageContent',
      target: target.constructor,
      propertyName: propertyName as string,
      options,
      validator: {
        validate(value: unknown, args: ValidationArguments) {
          if (typeof value === 'string') return true;
          if (value === null || value === undefined) {
            const message = args.object as { role?: string; tool_calls?: unknown[] };
            return message.role === 'assistant';
          }
          return Array.isArray(value) && invalidPartIndex(value) === -1;
        },
        defaultMessage(args: ValidationArguments) {
          const value = args.value as unknown;
          if (Array.isArray(value)) {
            return `content[${invalidPartIndex(value)}] must be a valid content part (text, image_url, input_audio, file or refusal)`;
          }
          return 'content must be a string or an array of content parts';
        },
      },
    });
}

/** `tool_choice`: `none`, `auto`, `required`, or `{ type: 'function', function: { name } }`. */
export function IsToolChoice(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isToolChoice',
      target: target.constructor,
      propertyName: propertyName as string,
      options: {
        message: "tool_choice must be 'none', 'auto', 'required' or a named function",
        ...options,
      },
      validator: {
        validate(value: unknown) {
          if (value === 'none' || value === 'auto' || value === 'required') return true;
          return (
            isObject(value) &&
            value.type === 'function' &&
            isObject(value.function) &&
            typeof value.function.name === 'string'
          );
        },
      },
    });
}

/** `stop`: a string or up to 4 strings. */
export function IsStop(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isStop',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: 'stop must be a string or an array of up to 4 strings', ...options },
      validator: {
        validate(value: unknown) {
          if (value === null || typeof value === 'string') return true;
          return (
            Array.isArray(value) && value.length <= 4 && value.every((s) => typeof s === 'string')
          );
        },
      },
    });
}

/** `user`: a string; Open WebUI sends an object (`{ id, name, email, role }`) for some models. */
export function IsUserField(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isUserField',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: 'user must be a string', ...options },
      validator: {
        validate: (value: unknown) => typeof value === 'string' || isObject(value),
      },
    });
}

/** `top_logprobs` asks for alternatives to tokens whose log probabilities were asked for. */
export function IsWithLogprobs(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isWithLogprobs',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: 'logprobs must be set to true when top_logprobs is used', ...options },
      validator: {
        validate: (value: unknown, args) =>
          !value || (args?.object as { logprobs?: unknown }).logprobs === true,
      },
    });
}
