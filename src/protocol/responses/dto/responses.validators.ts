import { registerDecorator, type ValidationOptions } from 'class-validator';

/** `none`, `auto`, `required`, or an object whose `type` says which kind (checked as mapped). */
export type ResponsesToolChoice = 'none' | 'auto' | 'required' | Record<string, unknown>;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function decorator(
  name: string,
  message: string,
  validate: (value: unknown) => boolean,
  options?: ValidationOptions,
): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name,
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message, ...options },
      validator: { validate },
    });
}

/** `input`: a string, or an array of items (each checked as it is mapped). */
export function IsResponseInput(options?: ValidationOptions): PropertyDecorator {
  return decorator(
    'isResponseInput',
    'input must be a string or an array of input items',
    (value) => typeof value === 'string' || Array.isArray(value),
    options,
  );
}

/**
 * `tool_choice`: `none`, `auto`, `required` or an object with a `type`; which object types
 * are offered (function, allowed_tools over functions) is checked as it is mapped.
 */
export function IsResponsesToolChoice(options?: ValidationOptions): PropertyDecorator {
  return decorator(
    'isResponsesToolChoice',
    "tool_choice must be 'none', 'auto', 'required' or an object with a type",
    (value) =>
      value === 'none' ||
      value === 'auto' ||
      value === 'required' ||
      (isObject(value) && typeof value.type === 'string'),
    options,
  );
}

/** `metadata`: up to 16 string values, keys up to 64 and values up to 512 characters (OpenAI's limits). */
export function IsMetadata(options?: ValidationOptions): PropertyDecorator {
  return decorator(
    'isMetadata',
    'metadata must be an object of at most 16 string values (keys up to 64 characters, values up to 512)',
    (value) => {
      if (!isObject(value)) return false;
      const entries = Object.entries(value);
      return (
        entries.length <= 16 &&
        entries.every(([k, v]) => k.length <= 64 && typeof v === 'string' && v.length <= 512)
      );
    },
    options,
  );
}
