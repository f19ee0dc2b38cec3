import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { startOpenAiFake, type OpenAiFake } from './fakes/openai-fake.js';
import { assertMatchesSpec } from './support/openai-spec.js';
import { head, rawRequest, type RawResponse } from './support/raw-http.js';
import { startApp, type TestApp } from './support/test-app.js';

/**
 * Black-box robustness: hostile input sent to the running service as raw bytes. Whatever
 * comes in, the answer is a 4xx in OpenAI's error shape without internals (or a 2xx when
 * the input was odd but valid), the process stays up and serves the next normal request,
 * and nothing in the process's prototypes changed (the app runs in this process).
 */

type Json = Record<string, unknown>;
interface OpenAiError {
  error: { message: string; type: string; param: string | null; code: string | null };
}

const hi = [{ role: 'user', content: 'hi' }];
const ECHO = 'urn:mvp:echo';
const CHAT = 'urn:mvp:chat:connector=fake';
const AGENT = 'urn:mvp:agent:connector=fake';
const MODELS = [ECHO, CHAT, AGENT];

let fake: OpenAiFake;
let t: TestApp;
let root: string;

/** Everything the prototypes of the built-ins own before any request. */
const PROTOTYPES = [Object.prototype, Array.prototype, Function.prototype, String.prototype];
const before = PROTOTYPES.map((p) => Reflect.ownKeys(p).length);

function expectNoPollution(): void {
  const probe = {} as Json;
  for (const key of ['polluted', 'isAdmin', 'role', 'model', 'include_usage', 'workspace'])
    expect(probe[key]).toBeUndefined();
  expect(PROTOTYPES.map((p) => Reflect.ownKeys(p).length)).toEqual(before);
}

/** Fails with every offending case at once: one run shows the whole picture. */
class Findings {
  private readonly problems: string[] = [];

  add(label: string, problem: string): void {
    this.problems.push(`${label}: ${problem}`);
  }

  /**
   * A 4xx (one of `want.status`) in OpenAI's error shape, nothing internal in it, with
   * `want.code`, and a `param` that is `want.param` or under it.
   */
  clientError(
    label: string,
    res: RawResponse,
    want: { status?: number[]; code?: string; param?: string } = {},
  ): void {
    const { status, code, param } = want;
    if (status ? !status.includes(res.status) : res.status < 400 || res.status > 499) {
      this.add(label, `status ${res.status}: ${res.text.slice(0, 300)}`);
      return;
    }
    if (!this.errorBody(label, res)) return;
    const { error } = JSON.parse(res.text) as OpenAiError;
    if (code !== undefined && error.code !== code)
      this.add(label, `code ${error.code}, not ${code}: ${res.text.slice(0, 300)}`);
    if (param === undefined || error.param === param) return;
    if (!error.param?.startsWith(`${param}.`) && !error.param?.startsWith(`${param}[`))
      this.add(label, `param ${error.param}, not in ${param}: ${res.text.slice(0, 300)}`);
  }

  /** A 2xx that is a valid answer, or a 4xx as `clientError` wants it: never a 5xx. */
  answerOrClientError(label: string, res: RawResponse): void {
    if (res.status >= 200 && res.status < 300) {
      if (res.headers['content-type']?.startsWith('text/event-stream')) {
        if (!res.text.endsWith('data: [DONE]\n\n')) this.add(label, 'stream not ended by [DONE]');
        const last = res.text.split('\n\n').at(-3) ?? '';
        if (last.includes('"error"')) this.add(label, `stream ended in error: ${last}`);
        return;
      }
      try {
        assertMatchesSpec('CreateChatCompletionResponse', JSON.parse(res.text));
      } catch (error) {
        this.add(label, (error as Error).message.slice(0, 300));
      }
      return;
    }
    this.clientError(label, res);
  }

  /** The same for `/v1/responses`: a valid Response, or a stream that ends as one. */
  responseOrClientError(label: string, res: RawResponse): void {
    if (res.status < 200 || res.status > 299) return this.clientError(label, res);
    if (res.headers['content-type']?.startsWith('text/event-stream')) {
      const last = res.text.trim().split('\n\n').at(-1) ?? '';
      if (!/^event: response\.(completed|incomplete)\n/.test(last))
        this.add(label, `stream ended with ${last.slice(0, 300)}`);
      return;
    }
    try {
      assertMatchesSpec('Response', JSON.parse(res.text));
    } catch (error) {
      this.add(label, (error as Error).message.slice(0, 300));
    }
  }

  /** Whether the body is OpenAI's error object (added as a problem when not). */
  private errorBody(label: string, res: RawResponse): boolean {
    leaks(res.text).forEach((leak) => this.add(label, `leaks ${leak}: ${res.text.slice(0, 300)}`));
    if (!res.headers['content-type']?.startsWith('application/json')) {
      this.add(label, `content-type ${res.headers['content-type']}: ${res.text.slice(0, 200)}`);
      return false;
    }
    try {
      assertMatchesSpec('ErrorResponse', JSON.parse(res.text));
      return true;
    } catch (error) {
      this.add(label, (error as Error).message.slice(0, 300));
      return false;
    }
  }

  expectNone(): void {
    expect(this.problems).toEqual([]);
  }
}

/** Stack frames, source paths, exception class names: internals a client must not see. */
function leaks(text: string): string[] {
  const patterns: Array<[string, RegExp]> = [
    ['a stack frame', /\bat [\w.<>]+ \(|\bat (file:\/\/|node:|\/)/],
    ['a source path', /\/(src|dist|node_modules)\/[\w./-]+\.(ts|js)/],
    ['the working directory', new RegExp(escape(process.cwd()))],
    ['an exception name', /\b(TypeError|RangeError|ReferenceError|SyntaxError|URIError)\b/],
    ['an HTML page', /<(!DOCTYPE|html|pre)\b/i],
  ];
  return patterns.filter(([, pattern]) => pattern.test(text)).map(([name]) => name);
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** One request with exact bytes; `body` strings are sent as UTF-8. */
function send(
  method: string,
  path: string,
  options: { headers?: Array<[string, string]>; body?: string | Buffer } = {},
): Promise<RawResponse> {
  const body = options.body === undefined ? undefined : Buffer.from(options.body);
  const headers = [...(options.headers ?? [])];
  if (body && !headers.some(([n]) => /^(content-length|transfer-encoding)$/i.test(n)))
    headers.push(['Content-Length', String(body.length)]);
  const request = Buffer.concat([
    Buffer.from(head(method, path, headers), 'latin1'),
    ...(body ? [body] : []),
  ]);
  return rawRequest(t.url, request);
}

const JSON_TYPE: [string, string] = ['Content-Type', 'application/json'];

/** POST /v1/chat/completions with a JSON text (or a value to serialize). */
function post(body: unknown, headers: Array<[string, string]> = [JSON_TYPE]): Promise<RawResponse> {
  const text = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  return send('POST', '/v1/chat/completions', { headers, body: text });
}

/** POST /v1/responses with a value to serialize. */
function postResponse(body: Json): Promise<RawResponse> {
  return send('POST', '/v1/responses', { headers: [JSON_TYPE], body: JSON.stringify(body) });
}

/** The service answers a normal request correctly: echo, and a connector round trip. */
async function expectHealthy(): Promise<void> {
  // Bounded like every raw request: a service that stopped answering fails the test.
  const bounded = { timeout: 5_000 };
  const echo = await t.client.chat.completions.create(
    { model: ECHO, messages: [{ role: 'user', content: 'still here' }] },
    bounded,
  );
  expect(echo.choices[0].message.content).toBe('still here');
  const chat = await t.client.chat.completions.create(
    { model: CHAT, messages: hi as never },
    bounded,
  );
  expect(chat.choices[0].message.content).toBe('Hello from the fake upstream.');
  const health = await fetch(`${t.url}/health`, { signal: AbortSignal.timeout(5_000) });
  expect(health.status).toBe(200);
}

/** `[[[…]]]` `depth` levels deep, built as text (JSON.stringify would recurse). */
function deepArray(depth: number): string {
  return `${'['.repeat(depth)}${']'.repeat(depth)}`;
}
function deepObject(depth: number): string {
  return `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}
/** A valid chat body with `fragment` (raw JSON text) spliced in as `key: fragment`. */
function withRaw(model: string, key: string, fragment: string): string {
  return `{"model":${JSON.stringify(model)},"messages":${JSON.stringify(hi)},"${key}":${fragment}}`;
}

beforeAll(async () => {
  root = realpathSync(mkdtempSync(join(tmpdir(), 'hostile-root-')));
  mkdirSync(join(root, 'docs'));
  // Outside the root: a sibling whose name starts with the root's, and a link to it inside.
  mkdirSync(`${root}-evil`);
  symlinkSync(`${root}-evil`, join(root, 'escape'));
  fake = await startOpenAiFake();
  t = await startApp({
    config: {
      connectors: [
        { name: 'fake', provider: 'openai', baseUrl: `${fake.url}/v1`, defaultModel: 'gpt-fake' },
      ],
      workspaces: { roots: [root] },
    },
  });
  // Healthy before any hostile input (and the tokenizer, slow to build, built).
  await expectHealthy();
});

afterAll(async () => {
  await t.close();
  await fake.close();
  rmSync(root, { recursive: true, force: true });
  rmSync(`${root}-evil`, { recursive: true, force: true });
});

afterEach(async () => {
  await expectHealthy();
  expectNoPollution();
});

describe('malformed JSON', () => {
  it('is a 400 invalid_json, whatever the fault', async () => {
    const findings = new Findings();
    const bodies: Array<string | Buffer> = [
      '{',
      '}',
      '{"model":',
      `{"model":"${ECHO}","messages":${JSON.stringify(hi)}`,
      `{"model":"${ECHO}",}`,
      `{"model":"${ECHO}"} trailing`,
      "{'model':'x'}",
      '{"model":NaN}',
      '{"model":Infinity}',
      '{"model":undefined}',
      '// comment\n{}',
      '{"model":"a\u0001b"}',
      '{"model":"\\x41"}',
      '{"model":"\\u12"}',
      '{model:"x"}',
      '\u0000',
      '   ',
      'null',
      '1',
      '"text"',
      'true',
      '1e999999',
      '{"a":1}{"b":2}',
      Buffer.from([0x7b, 0xff, 0xfe, 0xfd]),
      gzipSync(JSON.stringify({ model: ECHO, messages: hi })),
    ];
    for (const [i, body] of bodies.entries()) {
      const label = `body #${i} ${JSON.stringify(body.toString()).slice(0, 40)}`;
      findings.clientError(label, await post(body), { status: [400], code: 'invalid_json' });
    }
    findings.expectNone();
  });

  it('a JSON value that is not an object, deep or not, is a 400', async () => {
    const findings = new Findings();
    for (const body of ['[]', '[1,2]', deepArray(10_000), `[${deepObject(10_000)}]`]) {
      findings.clientError(`body ${body.slice(0, 20)}`, await post(body), { status: [400] });
    }
    findings.expectNone();
  });
});

describe('wrong types at every level', () => {
  const cases: Array<[string, Json]> = [
    ['messages as an object', { messages: { 0: { role: 'user', content: 'hi' } } }],
    ['messages as a string', { messages: 'hi' }],
    ['messages null', { messages: null }],
    ['messages [null]', { messages: [null] }],
    ['messages [[]]', { messages: [[]] }],
    ['messages [[message]]', { messages: [hi] }],
    ['message as a string', { messages: ['hi'] }],
    ['role null', { messages: [{ role: null, content: 'x' }] }],
    ['role a number', { messages: [{ role: 1, content: 'x' }] }],
    ['role an object', { messages: [{ role: { user: true }, content: 'x' }] }],
    ['user content null', { messages: [{ role: 'user', content: null }] }],
    ['content a number', { messages: [{ role: 'user', content: 5 }] }],
    ['content an object', { messages: [{ role: 'user', content: { type: 'text', text: 'x' } }] }],
    ['content [null]', { messages: [{ role: 'user', content: [null] }] }],
    ['content ["x"]', { messages: [{ role: 'user', content: ['x'] }] }],
    ['content [{}]', { messages: [{ role: 'user', content: [{}] }] }],
    ['part without text', { messages: [{ role: 'user', content: [{ type: 'text' }] }] }],
    ['part text a number', { messages: [{ role: 'user', content: [{ type: 'text', text: 5 }] }] }],
    ['part type an object', { messages: [{ role: 'user', content: [{ type: {}, text: 'x' }] }] }],
    [
      'part type unknown',
      { messages: [{ role: 'user', content: [{ type: 'video', text: 'x' }] }] },
    ],
    [
      'image_url a string',
      { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: 'http://x' }] }] },
    ],
    [
      'image_url.url a number',
      { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 5 } }] }] },
    ],
    [
      'input_audio without data',
      {
        messages: [
          { role: 'user', content: [{ type: 'input_audio', input_audio: { format: 'wav' } }] },
        ],
      },
    ],
    ['name a number', { messages: [{ role: 'user', content: 'x', name: 5 }] }],
    ['name too long', { messages: [{ role: 'user', content: 'x', name: 'n'.repeat(10_000) }] }],
    ['tool message without id', { messages: [{ role: 'tool', content: 'x' }] }],
    ['tool_call_id null', { messages: [{ role: 'tool', content: 'x', tool_call_id: null }] }],
    ['tool_call_id an object', { messages: [{ role: 'tool', content: 'x', tool_call_id: {} }] }],
    ...(
      [
        ['tool_calls an object', {}],
        ['tool_calls a string', 'x'],
        ['tool_calls [null]', [null]],
        ['tool_calls [1]', [1]],
        ['arguments an object', [call({ arguments: { a: 1 } })]],
        ['arguments a number', [call({ arguments: 5 })]],
        ['arguments null', [call({ arguments: null })]],
        ['arguments missing', [call({ arguments: undefined })]],
        ['function null', [{ id: 'c', type: 'function', function: null }]],
        ['function a string', [{ id: 'c', type: 'function', function: 'f' }]],
        ['call type wrong', [{ ...call({}), type: 'code' }]],
        ['call id a number', [{ ...call({}), id: 5 }]],
        ['function name an array', [call({ name: ['f'] })]],
        ['tool_calls [[call]]', [[call({})]]],
        ['function an array', [{ ...call({}), function: [{ name: 'f', arguments: '{}' }] }]],
      ] as Array<[string, unknown]>
    ).map(([label, tool_calls]): [string, Json] => [
      label,
      { messages: [...hi, { role: 'assistant', content: null, tool_calls }] },
    ]),
    ['model null', { model: null }],
    ['model a number', { model: 1 }],
    ['model an array', { model: [ECHO] }],
    ['model an object', { model: { id: ECHO } }],
    ['model empty', { model: '' }],
    ['stream a string', { stream: 'true' }],
    ['stream a number', { stream: 1 }],
    ['stream_options a string', { stream_options: 'x' }],
    ['stream_options an array', { stream_options: [{ include_usage: true }] }],
    ['include_usage a string', { stream: true, stream_options: { include_usage: 'yes' } }],
    ['temperature a string', { temperature: '0.5' }],
    ['temperature NaN-like', { temperature: 'NaN' }],
    ['temperature huge', { temperature: 1e308 }],
    ['temperature negative', { temperature: -1 }],
    ['top_p over 1', { top_p: 1.5 }],
    ['max_tokens a string', { max_tokens: '10' }],
    ['max_tokens negative', { max_tokens: -1 }],
    ['max_tokens zero', { max_tokens: 0 }],
    ['max_tokens fractional', { max_tokens: 1.5 }],
    ['max_tokens Infinity-like', { max_tokens: 'Infinity' }],
    ['max_completion_tokens negative', { max_completion_tokens: -5 }],
    ['n two', { n: 2 }],
    ['n a string', { n: '1' }],
    ['seed a string', { seed: '42' }],
    ['seed fractional', { seed: 0.5 }],
    ['presence_penalty huge', { presence_penalty: 1e300 }],
    ['frequency_penalty -huge', { frequency_penalty: -1e300 }],
    ['top_logprobs 21', { top_logprobs: 21 }],
    ['logprobs a string', { logprobs: 'yes' }],
    ['stop a number', { stop: 5 }],
    ['stop 5 strings', { stop: ['a', 'b', 'c', 'd', 'e'] }],
    ['stop [null]', { stop: [null] }],
    ['tools an object', { tools: { type: 'function' } }],
    ['tools [null]', { tools: [null] }],
    ['tools [[tool]]', { tools: [[{ type: 'function', function: { name: 'f' } }]] }],
    ['tool function an array', { tools: [{ type: 'function', function: [{ name: 'f' }] }] }],
    ['tool type wrong', { tools: [{ type: 'code', function: { name: 'f' } }] }],
    ['tool function null', { tools: [{ type: 'function', function: null }] }],
    ['tool name a number', { tools: [{ type: 'function', function: { name: 5 } }] }],
    ['tool name with spaces', { tools: [{ type: 'function', function: { name: 'a b' } }] }],
    ['tool name huge', { tools: [{ type: 'function', function: { name: 'f'.repeat(100_000) } }] }],
    [
      'tool parameters a string',
      { tools: [{ type: 'function', function: { name: 'f', parameters: 'x' } }] },
    ],
    ['tool_choice a number', { tool_choice: 1 }],
    ['tool_choice unknown word', { tool_choice: 'always' }],
    ['tool_choice function null', { tool_choice: { type: 'function', function: null } }],
    ['parallel_tool_calls a string', { parallel_tool_calls: 'no' }],
    ['response_format a string', { response_format: 'json' }],
    ['response_format type unknown', { response_format: { type: 'xml' } }],
    ['response_format an array', { response_format: [{ type: 'text' }] }],
    [
      'json_schema an array',
      { response_format: { type: 'json_schema', json_schema: [{ name: 's' }] } },
    ],
    ['json_schema a string', { response_format: { type: 'json_schema', json_schema: 'x' } }],
    ['logit_bias an array', { logit_bias: [1, 2] }],
    ['logit_bias a string', { logit_bias: 'x' }],
    ['reasoning_effort a number', { reasoning_effort: 3 }],
    ['user a number', { user: 42 }],
    ['user an array', { user: ['u'] }],
    ['safety_identifier over 64 characters', { safety_identifier: 's'.repeat(65) }],
    ['prompt_cache_key a number', { prompt_cache_key: 7 }],
    ['verbosity unknown word', { verbosity: 'terse' }],
    ['service_tier unknown word', { service_tier: 'platinum' }],
  ];

  function call(fn: Json): Json {
    return { id: 'c1', type: 'function', function: { name: 'f', arguments: '{}', ...fn } };
  }

  it('every case is a 400 (404 for a model) naming its param, for every model, streamed or not', async () => {
    const findings = new Findings();
    for (const model of MODELS) {
      for (const [label, override] of cases) {
        for (const stream of [false, true]) {
          const body = { model, messages: hi, ...(stream ? { stream } : {}), ...override };
          const res = await post(body);
          const field = Object.keys(override).at(-1);
          findings.clientError(`${model} ${label}${stream ? ' (stream)' : ''}`, res, {
            status: [400, 404],
            param: field,
          });
        }
      }
    }
    findings.expectNone();
  });

  it('odd but valid values are answered, never a 5xx (mutated bodies)', async () => {
    const findings = new Findings();
    const oddities: unknown[] = [
      null,
      0,
      -1,
      -0,
      1e308,
      2 ** 53 + 1,
      Number.MIN_VALUE,
      '',
      ' ',
      '\u0000',
      '\ud800',
      '\u202e',
      true,
      false,
      [],
      [null],
      {},
      { type: 'text' },
      { id: 'u' },
      'function',
      'json_schema',
      '{{ 7*7 }}',
    ];
    const fields = [
      'temperature',
      'top_p',
      'max_tokens',
      'max_completion_tokens',
      'presence_penalty',
      'frequency_penalty',
      'n',
      'stop',
      'seed',
      'logit_bias',
      'logprobs',
      'top_logprobs',
      'reasoning_effort',
      'user',
      'response_format',
      'tool_choice',
      'parallel_tool_calls',
      'stream_options',
      'metadata',
      'store',
      'service_tier',
    ];
    for (const model of MODELS) {
      for (const field of fields) {
        for (const value of oddities) {
          const res = await post({ model, messages: hi, [field]: value });
          findings.answerOrClientError(`${model} ${field}=${JSON.stringify(value)}`, res);
        }
      }
    }
    findings.expectNone();
  });
});

describe('Responses API', () => {
  const oddities: unknown[] = [
    null,
    0,
    -1,
    1e308,
    2 ** 53 + 1,
    '',
    '\u0000',
    '\ud800',
    true,
    [],
    [null],
    {},
    { type: 'text' },
    { type: 'function', name: 'f' },
    'auto',
    'function_call',
    '{{ 7*7 }}',
  ];

  it('odd values in any field are answered or refused with a 4xx, never a 5xx', async () => {
    const findings = new Findings();
    const fields = [
      'input',
      'instructions',
      'temperature',
      'top_p',
      'max_output_tokens',
      'top_logprobs',
      'tools',
      'tool_choice',
      'parallel_tool_calls',
      'text',
      'reasoning',
      'include',
      'metadata',
      'store',
      'user',
      'safety_identifier',
      'prompt_cache_key',
      'service_tier',
      'truncation',
      'previous_response_id',
      'stream_options',
    ];
    for (const model of MODELS) {
      for (const field of fields) {
        for (const value of oddities) {
          const res = await postResponse({ model, input: 'hi', [field]: value });
          findings.responseOrClientError(`${model} ${field}=${JSON.stringify(value)}`, res);
        }
      }
    }
    findings.expectNone();
  });

  it('odd values inside input items are answered or refused with a 4xx, streamed or not', async () => {
    const findings = new Findings();
    const items = (v: unknown): Array<[string, unknown[]]> => [
      ['message content', [{ role: 'user', content: v }]],
      ['message role', [{ role: v, content: 'hi' }]],
      ['input_text', [{ role: 'user', content: [{ type: 'input_text', text: v }] }]],
      ['input_image', [{ role: 'user', content: [{ type: 'input_image', image_url: v }] }]],
      ['input_file', [{ role: 'user', content: [{ type: 'input_file', file_data: v }] }]],
      [
        'function_call',
        [
          { role: 'user', content: 'hi' },
          { type: 'function_call', call_id: v, name: v, arguments: v },
        ],
      ],
      [
        'function_call_output',
        [
          { role: 'user', content: 'hi' },
          { type: 'function_call', call_id: 'c1', name: 'f', arguments: '{}' },
          { type: 'function_call_output', call_id: 'c1', output: v },
        ],
      ],
      ['item type', [{ type: v, content: 'hi' }]],
      ['item', [v]],
    ];
    for (const model of MODELS) {
      for (const value of oddities) {
        for (const [label, input] of items(value)) {
          for (const stream of [false, true]) {
            const res = await postResponse({ model, input, ...(stream ? { stream } : {}) });
            findings.responseOrClientError(
              `${model} ${label}=${JSON.stringify(value)}${stream ? ' (stream)' : ''}`,
              res,
            );
          }
        }
      }
    }
    findings.expectNone();
    await expectHealthy();
  });

  it('odd ids and queries on stored responses are refused with a 4xx, never a 5xx', async () => {
    const findings = new Findings();
    const created = await postResponse({ model: ECHO, input: 'keep me' });
    const { id } = JSON.parse(created.text) as { id: string };
    const ids = [
      'resp_0',
      `${id}x`,
      '..%2F..%2Fetc%2Fpasswd',
      '%00',
      '%E2%80%AE',
      '__proto__',
      'constructor',
      'x'.repeat(5000),
    ];
    for (const odd of ids) {
      for (const path of [`/v1/responses/${odd}`, `/v1/responses/${odd}/input_items`]) {
        for (const method of ['GET', 'DELETE']) {
          if (method === 'DELETE' && path.endsWith('input_items')) continue;
          findings.clientError(`${method} ${path.slice(0, 80)}`, await send(method, path), {
            status: [404],
          });
        }
      }
    }
    const queries = [
      'limit=0',
      'limit=101',
      'limit=-1',
      'limit=1e3',
      'limit=abc',
      'limit=1&limit=2',
      'order=sideways',
      'order[]=asc',
      'after=nope',
      'after=',
      `after=${'a'.repeat(5000)}`,
      'include[]=%00',
      'stream=true',
    ];
    for (const query of queries) {
      const res = await send('GET', `/v1/responses/${id}/input_items?${query}`);
      if (res.status === 200) assertMatchesSpec('ResponseItemList', JSON.parse(res.text));
      else findings.clientError(`input_items?${query.slice(0, 60)}`, res);
    }
    findings.expectNone();
    // The response is still there, listed whole.
    const items = await send('GET', `/v1/responses/${id}/input_items`);
    expect(items.status).toBe(200);
    expect(items.text).toContain('keep me');
  });
});

describe('size and depth', () => {
  it('deeply nested values (10k levels) anywhere in the body are a 400, never a crash', async () => {
    const findings = new Findings();
    const deep = deepObject(10_000);
    const deepList = deepArray(10_000);
    const bodies: Array<[string, string]> = [];
    for (const model of MODELS) {
      bodies.push(
        [`${model} metadata`, withRaw(model, 'metadata', deep)],
        [`${model} user`, withRaw(model, 'user', deep)],
        [`${model} logit_bias`, withRaw(model, 'logit_bias', deep)],
        [`${model} unknown field`, withRaw(model, 'x', deepList)],
        [
          `${model} tool parameters`,
          withRaw(
            model,
            'tools',
            `[{"type":"function","function":{"name":"f","parameters":${deep}}}]`,
          ),
        ],
        [
          `${model} json_schema`,
          withRaw(
            model,
            'response_format',
            `{"type":"json_schema","json_schema":{"name":"s","schema":${deep}}}`,
          ),
        ],
        [
          `${model} content parts`,
          `{"model":"${model}","messages":[{"role":"user","content":${deepList}}]}`,
        ],
        [
          `${model} message extra`,
          `{"model":"${model}","messages":[{"role":"user","content":"hi","x":${deep}}]}`,
        ],
        [
          `${model} tool_call function`,
          `{"model":"${model}","messages":[{"role":"user","content":"hi"},{"role":"assistant","tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{}","x":${deep}}}]}]}`,
        ],
      );
    }
    for (const [label, body] of bodies)
      findings.clientError(label, await post(body), { status: [400] });
    findings.expectNone();
  });

  it('very long strings are answered or refused with a 4xx', async () => {
    const findings = new Findings();
    const long = 'x'.repeat(200_000);
    const cases: Array<[string, Json]> = [
      ['model', { model: `urn:mvp:echo:prefix=${long}` }],
      ['foreign model', { model: long }],
      ['role', { messages: [{ role: long, content: 'x' }] }],
      ['tool name', { tools: [{ type: 'function', function: { name: long } }] }],
      ['stop', { stop: [long] }],
      ['user', { user: long }],
      ['reasoning_effort', { reasoning_effort: long }],
      ['tool_call_id', { messages: [{ role: 'tool', content: 'x', tool_call_id: long }] }],
      ['content', { messages: [{ role: 'user', content: 'lorem ipsum '.repeat(100_000) }] }],
      // One word the tokenizer cannot split: 25 s of blocked event loop when merged whole
      // (longer words are no better, just slower to fail).
      ['content of one word', { messages: [{ role: 'user', content: 'x'.repeat(20_000) }] }],
    ];
    for (const model of [ECHO, CHAT]) {
      for (const [label, override] of cases) {
        findings.answerOrClientError(
          `${model} ${label}`,
          await post({ model, messages: hi, ...override }),
        );
      }
    }
    findings.expectNone();
  });

  it('50k messages are answered', async () => {
    const findings = new Findings();
    const messages = Array.from({ length: 50_000 }, (_, i) => ({
      role: i % 2 ? 'assistant' : 'user',
      content: `m${i}`,
    }));
    for (const model of [ECHO, CHAT]) {
      const res = await post({ model, messages });
      if (res.status !== 200)
        findings.add(model, `status ${res.status}: ${res.text.slice(0, 200)}`);
    }
    findings.expectNone();
  });

  it('a body over the limit is a 413, however it is framed', async () => {
    const findings = new Findings();
    const TOO_LARGE = { status: [413], code: 'request_too_large' };
    const big = JSON.stringify({
      model: ECHO,
      messages: [{ role: 'user', content: 'x'.repeat(11 << 20) }],
    });
    findings.clientError('content-length', await post(big), TOO_LARGE);
    const chunked = Buffer.from(big);
    const framed = Buffer.concat([
      Buffer.from(chunked.length.toString(16) + '\r\n'),
      chunked,
      Buffer.from('\r\n0\r\n\r\n'),
    ]);
    findings.clientError(
      'chunked',
      await send('POST', '/v1/chat/completions', {
        headers: [JSON_TYPE, ['Transfer-Encoding', 'chunked']],
        body: framed,
      }),
      TOO_LARGE,
    );
    // Declared too large: refused before reading it.
    findings.clientError(
      'declared',
      await send('POST', '/v1/chat/completions', {
        headers: [JSON_TYPE, ['Content-Length', String(1 << 30)]],
        body: '{}',
      }),
      TOO_LARGE,
    );
    // A compression bomb: small on the wire, over the limit once inflated.
    const bomb = gzipSync(big);
    findings.clientError(
      'gzip bomb',
      await post(bomb, [JSON_TYPE, ['Content-Encoding', 'gzip']]),
      TOO_LARGE,
    );
    findings.expectNone();
  });
});

describe('prototype pollution', () => {
  const payload =
    '{"polluted":"yes","isAdmin":true,"role":"system","model":"x","include_usage":true,"workspace":"/"}';
  const keys = ['__proto__', 'constructor', 'prototype'];

  it('keys named __proto__, constructor and prototype change nothing, anywhere', async () => {
    const findings = new Findings();
    const bodies: Array<[string, string]> = [];
    for (const model of MODELS) {
      for (const key of keys) {
        const value = key === 'constructor' ? `{"prototype":${payload}}` : payload;
        const msg = `{"role":"user","content":"hi","${key}":${value}}`;
        bodies.push(
          [`${model} top ${key}`, withRaw(model, key, value)],
          [`${model} message ${key}`, `{"model":"${model}","messages":[${msg}]}`],
          [
            `${model} part ${key}`,
            `{"model":"${model}","messages":[{"role":"user","content":[{"type":"text","text":"hi","${key}":${value}}]}]}`,
          ],
          [
            `${model} tool ${key}`,
            withRaw(
              model,
              'tools',
              `[{"type":"function","${key}":${value},"function":{"name":"f","${key}":${value},"parameters":{"type":"object","${key}":${value}}}}]`,
            ),
          ],
          [
            `${model} tool_call ${key}`,
            `{"model":"${model}","messages":[{"role":"user","content":"hi"},{"role":"assistant","tool_calls":[{"id":"c","type":"function","${key}":${value},"function":{"name":"f","arguments":"{}","${key}":${value}}}]},{"role":"tool","tool_call_id":"c","content":"r"}]}`,
          ],
          [`${model} user ${key}`, withRaw(model, 'user', `{"id":"u","${key}":${value}}`)],
          [`${model} logit_bias ${key}`, withRaw(model, 'logit_bias', `{"${key}":${value}}`)],
          [
            `${model} stream_options ${key}`,
            withRaw(model, 'stream_options', `{"${key}":${value}}`),
          ],
          [
            `${model} response_format ${key}`,
            withRaw(
              model,
              'response_format',
              `{"type":"json_schema","${key}":${value},"json_schema":{"name":"s","${key}":${value},"schema":{"${key}":${value}}}}`,
            ),
          ],
        );
      }
    }
    for (const [label, body] of bodies) {
      findings.answerOrClientError(label, await post(body));
      expectNoPollution();
    }
    findings.expectNone();
  });

  it('URN params and query strings named after prototype members are refused or ignored', async () => {
    const findings = new Findings();
    const names = [...keys, 'toString', 'valueOf', 'hasOwnProperty', '__defineGetter__'];
    for (const base of MODELS) {
      for (const name of names) {
        const res = await post({ model: `${base}:${name}=x`, messages: hi });
        findings.clientError(`${base}:${name}=x`, res, { status: [400], param: 'model' });
      }
    }
    for (const name of names) {
      const res = await post({ model: `${AGENT}:toolset=${name}`, messages: hi });
      findings.clientError(`toolset=${name}`, res, { status: [400], param: 'model' });
      const tool = await post({
        model: AGENT,
        messages: hi,
        tools: [{ type: 'function', function: { name } }],
      });
      findings.answerOrClientError(`client tool ${name}`, tool);
    }
    const query =
      '?__proto__[polluted]=yes&constructor[prototype][polluted]=yes&__proto__.polluted=yes';
    const chat = await send('POST', `/v1/chat/completions${query}`, {
      headers: [JSON_TYPE],
      body: JSON.stringify({ model: ECHO, messages: hi }),
    });
    findings.answerOrClientError('query on chat', chat);
    const models = await send('GET', `/v1/models${query}`);
    if (models.status !== 200) findings.add('query on models', `status ${models.status}`);
    const headers = await send('GET', '/v1/models', {
      headers: [
        ['__proto__', 'x'],
        ['constructor', 'y'],
      ],
    });
    if (headers.status !== 200) findings.add('prototype header names', `status ${headers.status}`);
    expectNoPollution();
    findings.expectNone();
  });

  it('a model calling tools named after prototype members gets a tool error, not a crash', async () => {
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      fake.script(
        { toolCalls: [{ name, arguments: '{"__proto__":{"polluted":"yes"}}' }] },
        { text: 'done' },
      );
      const res = await post({ model: `${AGENT}:toolset=math`, messages: hi });
      expect([res.status, res.text]).toEqual([200, expect.stringContaining('done')]);
      const toolMessage = (fake.lastChat().body.messages as unknown as Json[]).at(-1)!;
      expect(toolMessage).toMatchObject({
        role: 'tool',
        content: expect.stringContaining('unknown tool'),
      });
    }
    fake.script(
      {
        toolCalls: [
          { name: 'calculator', arguments: '{"__proto__":{"polluted":"yes"},"expression":"1+1"}' },
        ],
      },
      { text: 'done' },
    );
    expect((await post({ model: `${AGENT}:toolset=math`, messages: hi })).status).toBe(200);
  });
});

describe('workspace URN param', () => {
  const model = (path: string): string =>
    `${AGENT}:toolset=files:workspace=${encodeURIComponent(path)}`;

  it('a path out of the roots is a 400 invalid_workspace, however it is spelled', async () => {
    const findings = new Findings();
    const paths = [
      // A prefix check would let the sibling through.
      `${root}-evil`,
      `${root}/escape`,
      `${root}/escape/`,
      `${root}/docs/../..`,
      `${root}/../${root.split('/').at(-1)}-evil`,
      `${root}/docs\u0000`,
      `${root}\u0000/docs`,
      '/',
      '//',
      `${root.toUpperCase()}`,
      `file://${root}`,
      '~',
    ];
    for (const path of paths) {
      const res = await post({ model: model(path), messages: hi });
      findings.clientError(JSON.stringify(path), res, { status: [400], code: 'invalid_workspace' });
    }
    findings.expectNone();
  });

  it('a folder inside a root is used', async () => {
    for (const path of [root, `${root}/docs`, `${root}/docs/`, `${root}/./docs`]) {
      const res = await post({ model: model(path), messages: hi });
      expect([path, res.status]).toEqual([path, 200]);
    }
  });
});
