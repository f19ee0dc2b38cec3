import { SERVICE_TIERS } from '../../common/chat.types.js';

/**
 * A compiled fast path for `ChatCompletionRequestDto`, which stays the contract: this JSON
 * Schema accepts only bodies the DTO accepts *unchanged* (nothing to strip, nothing to
 * convert), so an accepted body is used as it is and skips class-transformer and
 * class-validator — about a hundred times cheaper, on every request. Anything else (errors
 * included) goes through the DTO, which also phrases the 400. The spec beside this file
 * checks that the schema never accepts what the DTO refuses or would change.
 */
const nullable = (schema: Record<string, unknown>) => ({ anyOf: [schema, { type: 'null' }] });
const number = (minimum: number, maximum: number) => nullable({ type: 'number', minimum, maximum });
const integer = (minimum?: number, maximum?: number) =>
  nullable({
    type: 'integer',
    ...(minimum === undefined ? {} : { minimum }),
    ...(maximum === undefined ? {} : { maximum }),
  });

const contentPart = {
  type: 'object',
  required: ['type'],
  oneOf: [
    { required: ['text'], properties: { type: { const: 'text' }, text: { type: 'string' } } },
    {
      required: ['image_url'],
      properties: {
        type: { const: 'image_url' },
        image_url: { type: 'object', required: ['url'], properties: { url: { type: 'string' } } },
      },
    },
  ],
};

const toolCall = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'type', 'function'],
  properties: {
    id: { type: 'string' },
    type: { const: 'function' },
    function: {
      type: 'object',
      additionalProperties: false,
      required: ['name', 'arguments'],
      properties: { name: { type: 'string' }, arguments: { type: 'string' } },
    },
  },
};

const text = { type: 'string' };
const parts = { type: 'array', items: contentPart };

/** One schema per role: no field the DTO would ignore or strip for that role. */
const message = {
  oneOf: [
    {
      type: 'object',
      additionalProperties: false,
      required: ['role', 'content'],
      properties: {
        role: { enum: ['system', 'developer', 'user'] },
        content: { anyOf: [text, parts] },
        name: { type: 'string', maxLength: 256 },
      },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['role'],
      properties: {
        role: { const: 'assistant' },
        content: { anyOf: [text, parts, { type: 'null' }] },
        name: { type: 'string', maxLength: 256 },
        tool_calls: { type: 'array', items: toolCall },
        refusal: nullable(text),
      },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['role', 'content', 'tool_call_id'],
      properties: {
        role: { const: 'tool' },
        content: { anyOf: [text, parts] },
        tool_call_id: text,
      },
    },
  ],
};

const tool = {
  type: 'object',
  additionalProperties: false,
  required: ['type', 'function'],
  properties: {
    type: { const: 'function' },
    function: {
      type: 'object',
      additionalProperties: false,
      required: ['name'],
      properties: {
        name: { type: 'string', pattern: '^[a-zA-Z0-9_.-]{1,64}$' },
        description: text,
        parameters: { type: 'object' },
        strict: { type: ['boolean', 'null'] },
      },
    },
  },
};

export const chatCompletionRequestSchema = {
  type: 'object',
  required: ['model', 'messages'],
  // top_logprobs (above 0) only with logprobs: true.
  if: { required: ['top_logprobs'], properties: { top_logprobs: { type: 'integer', minimum: 1 } } },
  then: { required: ['logprobs'], properties: { logprobs: { const: true } } },
  properties: {
    model: { type: 'string', minLength: 1 },
    messages: { type: 'array', minItems: 1, items: message },
    stream: { type: ['boolean', 'null'] },
    stream_options: nullable({
      type: 'object',
      additionalProperties: false,
      properties: { include_usage: { type: 'boolean' }, include_obfuscation: { type: 'boolean' } },
    }),
    tools: { type: 'array', items: tool },
    tool_choice: {
      anyOf: [
        { enum: ['none', 'auto', 'required'] },
        {
          type: 'object',
          required: ['type', 'function'],
          properties: {
            type: { const: 'function' },
            function: { type: 'object', required: ['name'], properties: { name: text } },
          },
        },
      ],
    },
    parallel_tool_calls: { type: ['boolean', 'null'] },
    temperature: number(0, 2),
    top_p: number(0, 1),
    max_tokens: integer(1),
    max_completion_tokens: integer(1),
    presence_penalty: number(-2, 2),
    frequency_penalty: number(-2, 2),
    n: integer(1, 1),
    stop: { anyOf: [{ type: ['string', 'null'] }, { type: 'array', maxItems: 4, items: text }] },
    seed: integer(),
    response_format: {
      type: 'object',
      additionalProperties: false,
      required: ['type'],
      properties: {
        type: { enum: ['text', 'json_object', 'json_schema'] },
        json_schema: {
          type: 'object',
          additionalProperties: false,
          required: ['name'],
          properties: {
            name: text,
            description: text,
            schema: { type: 'object' },
            strict: { type: ['boolean', 'null'] },
          },
        },
      },
    },
    logit_bias: { type: ['object', 'null'] },
    logprobs: { type: ['boolean', 'null'] },
    top_logprobs: integer(0, 20),
    reasoning_effort: { type: ['string', 'null'] },
    user: { type: ['string', 'object'] },
    safety_identifier: { type: ['string', 'null'], maxLength: 64 },
    prompt_cache_key: { type: ['string', 'null'] },
    verbosity: { enum: ['low', 'medium', 'high', null] },
    service_tier: { enum: [...SERVICE_TIERS, null] },
  },
} as const;
