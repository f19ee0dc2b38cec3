import { describe, expect, it } from '@jest/globals';
import { ValidationPipe } from '@nestjs/common';
import { Ajv } from 'ajv';
import { toChatRequest } from './chat-request.mapper.js';
import { ChatCompletionRequestDto } from './dto/chat-completion-request.dto.js';
import { chatCompletionRequestSchema } from './dto/chat-completion-request.schema.js';
import { DTO_VALIDATION, RequestValidationPipe } from './request-validation.pipe.js';

const fast = new Ajv({ allowUnionTypes: true }).compile(chatCompletionRequestSchema);
const dtoPipe = new ValidationPipe(DTO_VALIDATION);
const body = { type: 'body' as const, metatype: ChatCompletionRequestDto };

/** What the DTO path yields for a body, or undefined when it refuses it. */
async function viaDto(value: unknown): Promise<unknown> {
  try {
    const dto = (await dtoPipe.transform(structuredClone(value), body)) as ChatCompletionRequestDto;
    return JSON.parse(JSON.stringify(toChatRequest(dto)));
  } catch {
    return undefined;
  }
}

const samples: Record<string, unknown>[] = [
  { model: 'urn:mvp:echo', messages: [{ role: 'user', content: 'hi' }] },
  {
    model: 'urn:mvp:chat:connector=a',
    stream: true,
    stream_options: { include_usage: true },
    temperature: 0.7,
    top_p: 1,
    max_tokens: 100,
    max_completion_tokens: 200,
    presence_penalty: -1,
    frequency_penalty: 0.5,
    n: 1,
    stop: ['END'],
    seed: 42,
    logprobs: true,
    top_logprobs: 2,
    reasoning_effort: 'low',
    parallel_tool_calls: true,
    logit_bias: { '50256': -100 },
    response_format: {
      type: 'json_schema',
      json_schema: { name: 'x', schema: { type: 'object' }, strict: true },
    },
    user: 'u-1',
    metadata: { ignored: true },
    messages: [
      { role: 'system', content: 'be nice' },
      { role: 'developer', content: [{ type: 'text', text: 'rules' }] },
      {
        role: 'user',
        name: 'alice',
        content: [
          { type: 'text', text: 'look' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,AA', detail: 'low' } },
        ],
      },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }],
      },
      { role: 'tool', tool_call_id: 'c1', content: 'done' },
      { role: 'assistant', content: 'ok', refusal: null },
    ],
    tools: [
      {
        type: 'function',
        function: { name: 'f', description: 'd', parameters: { type: 'object' }, strict: null },
      },
    ],
    tool_choice: { type: 'function', function: { name: 'f' } },
  },
  {
    model: 'm',
    messages: [{ role: 'assistant' }],
    stream: null,
    stop: 'x',
    tool_choice: 'auto',
    user: { id: 'u', name: 'n' },
  },
];

/** Deterministic pseudo-random mutations: wrong types, out-of-range values, extra and missing fields. */
function* mutations(seed: number): Generator<unknown> {
  let state = seed;
  const rand = (n: number): number => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state % n;
  };
  const oddities: unknown[] = [
    null,
    0,
    -3,
    2.5,
    1e9,
    '',
    'x',
    true,
    [],
    [1],
    {},
    { a: 1 },
    'function',
    'tool',
    'user',
  ];
  const paths = (node: unknown, prefix: (string | number)[] = []): (string | number)[][] => {
    if (typeof node !== 'object' || node === null) return [prefix];
    const entries = Array.isArray(node)
      ? node.map((v, i) => [i, v] as const)
      : Object.entries(node);
    return [prefix, ...entries.flatMap(([k, v]) => paths(v, [...prefix, k]))];
  };
  for (let i = 0; i < 3000; i++) {
    const sample = structuredClone(samples[rand(samples.length)]);
    const all = paths(sample).filter((p) => p.length > 0);
    for (let m = 0, count = 1 + rand(2); m < count; m++) {
      const path = all[rand(all.length)];
      let parent: Record<string | number, unknown> = sample;
      for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
      if (typeof parent !== 'object' || parent === null) continue;
      const key = path[path.length - 1];
      switch (rand(3)) {
        case 0:
          parent[key] = oddities[rand(oddities.length)];
          break;
        case 1:
          if (Array.isArray(parent)) parent.splice(Number(key), 1);
          else delete parent[key];
          break;
        default:
          if (!Array.isArray(parent)) parent[`extra${rand(3)}`] = oddities[rand(oddities.length)];
      }
    }
    yield sample;
  }
}

describe('RequestValidationPipe fast path', () => {
  it('takes the common well-formed bodies', () => {
    for (const sample of samples) expect(fast(sample)).toBe(true);
  });

  it('yields exactly what the DTO path yields for every body it takes', async () => {
    for (const sample of samples) {
      expect(await viaDto(sample)).toEqual(
        JSON.parse(JSON.stringify(toChatRequest(sample as unknown as ChatCompletionRequestDto))),
      );
    }
  });

  it('never takes a body the DTO refuses or would change (3000 mutated bodies)', async () => {
    let taken = 0;
    let refused = 0;
    for (const mutated of mutations(7)) {
      const dto = await viaDto(mutated);
      if (dto === undefined) refused++;
      if (!fast(mutated)) continue;
      taken++;
      expect(dto).toEqual(
        JSON.parse(JSON.stringify(toChatRequest(mutated as ChatCompletionRequestDto))),
      );
    }
    // The mutations exercise both sides.
    expect(taken).toBeGreaterThan(300);
    expect(refused).toBeGreaterThan(300);
  });

  it('refuses a body nested more than 64 levels deep, naming the field', async () => {
    const pipe = new RequestValidationPipe();
    const nested = (levels: number): unknown => JSON.parse('['.repeat(levels) + ']'.repeat(levels));
    const withTools = (levels: number) => ({
      model: 'm',
      messages: [{ role: 'user', content: 'hi' }],
      tools: [{ type: 'function', function: { name: 'f', parameters: { p: nested(levels) } } }],
    });
    // The body, tools, tools[0], function and parameters: 5 levels, 59 more allowed.
    await expect(pipe.transform(withTools(59), body)).resolves.toBeDefined();
    await expect(pipe.transform(withTools(60), body)).rejects.toMatchObject({
      param: 'tools',
      message: "Invalid 'tools': nested more than 64 levels deep",
    });
    await expect(
      pipe.transform({ model: 'm', messages: [], extra: nested(10_000) }, body),
    ).rejects.toMatchObject({ param: 'extra' });
  });

  it('leaves errors to the DTO, which names the param', async () => {
    const pipe = new RequestValidationPipe();
    await expect(
      pipe.transform({ model: 'm', messages: [{ role: 'user', content: 5 }] }, body),
    ).rejects.toMatchObject({ param: 'messages[0].content' });
  });

  it('names the element of an array that is not an object', async () => {
    const pipe = new RequestValidationPipe();
    const hi = { role: 'user', content: 'hi' };
    for (const [messages, param] of [
      [[null], 'messages[0]'],
      [[hi, 5], 'messages[1]'],
      [[hi, hi, 'x'], 'messages[2]'],
    ] as const) {
      await expect(pipe.transform({ model: 'm', messages }, body)).rejects.toMatchObject({
        param,
        message: `Invalid '${param}': must be an object`,
      });
    }
  });

  it('names an object field sent as an array by its own name', async () => {
    const pipe = new RequestValidationPipe();
    const hi = [{ role: 'user', content: 'hi' }];
    for (const field of ['stream_options', 'response_format']) {
      await expect(
        pipe.transform({ model: 'm', messages: hi, [field]: [5] }, body),
      ).rejects.toMatchObject({ param: field });
    }
  });

  it('takes top_logprobs only with logprobs: true, as the spec says', async () => {
    const pipe = new RequestValidationPipe();
    const ask = (fields: object) => ({
      model: 'm',
      messages: [{ role: 'user', content: 'hi' }],
      ...fields,
    });
    for (const fields of [{ top_logprobs: 3 }, { top_logprobs: 3, logprobs: false }]) {
      expect(fast(ask(fields))).toBe(false);
      await expect(pipe.transform(ask(fields), body)).rejects.toMatchObject({
        param: 'top_logprobs',
        message: "Invalid 'top_logprobs': logprobs must be set to true when top_logprobs is used",
      });
    }
    for (const fields of [
      { top_logprobs: 3, logprobs: true },
      { top_logprobs: 0 },
      { top_logprobs: null },
    ]) {
      expect(fast(ask(fields))).toBe(true);
      await expect(pipe.transform(ask(fields), body)).resolves.toBeDefined();
    }
  });
});
