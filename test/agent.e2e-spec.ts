import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import OpenAI from 'openai';
import { startAnthropicFake, type AnthropicFake } from './fakes/anthropic-fake.js';
import { startOpenAiFake, type OpenAiFake } from './fakes/openai-fake.js';
import { TestToolsModule, ToolProbe } from './fixtures/test-tools.module.js';
import { assertMatchesSpec } from './support/openai-spec.js';
import { fakeKey, startWithConnectors } from './support/connector-app.js';
import { startApp, type TestApp } from './support/test-app.js';
import { LogCapture } from './support/log-capture.js';
import { createApp } from '../src/bootstrap.js';
import { ConfigurationError } from '../src/configuration/configuration.error.js';

type UpstreamMessage = {
  role: string;
  content?: string | null;
  tool_call_id?: string;
  tool_calls?: unknown[];
};

/**
 * The agent OL through the HTTP API: the official SDK as client, a fake OpenAI upstream that
 * scripts the model's turns (text or tool calls), the real tools executed server-side.
 */
describe('agent OL', () => {
  let fake: OpenAiFake;
  let app: TestApp;
  let probe: ToolProbe;
  let root: string;
  let outside: string;
  const agent = 'urn:mvp:agent:connector=fake';

  beforeAll(async () => {
    root = realpathSync(mkdtempSync(join(tmpdir(), 'agent-root-')));
    outside = realpathSync(mkdtempSync(join(tmpdir(), 'agent-outside-')));
    mkdirSync(join(root, 'docs'));
    writeFileSync(join(root, 'docs', 'guide.md'), '# Guide\nThe secret word is pineapple.\n');
    writeFileSync(join(outside, 'passwd'), 'root:x:0:0\n');
    symlinkSync(join(outside, 'passwd'), join(root, 'docs', 'escape'));

    fake = await startOpenAiFake();
    app = await startApp({
      imports: [TestToolsModule],
      config: {
        connectors: [
          { name: 'fake', provider: 'openai', baseUrl: `${fake.url}/v1`, defaultModel: 'gpt-fake' },
        ],
        tools: { timeoutMs: 400 },
        toolsets: {
          math: ['calculator'],
          files: ['read_file', 'list_files', 'search_files'],
          slow: ['wait'],
        },
        workspaces: { roots: [root] },
      },
    });
    probe = app.app.get(ToolProbe);
  });

  afterAll(async () => {
    await app.close();
    await fake.close();
    rmSync(root, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });

  let requestsBefore = 0;
  beforeEach(() => {
    requestsBefore = fake.requests.length;
  });

  /** The chat requests the fake received during this test. */
  const upstream = (): Array<{
    messages: UpstreamMessage[];
    tools?: Array<{ function: { name: string } }>;
    tool_choice?: unknown;
  }> => fake.requests.slice(requestsBefore).map((r) => r.body as never);
  const toolMessages = (i: number): UpstreamMessage[] =>
    upstream()[i].messages.filter((m) => m.role === 'tool');

  async function streamText(
    params: Omit<OpenAI.ChatCompletionCreateParamsStreaming, 'stream'>,
  ): Promise<{ text: string; chunks: OpenAI.ChatCompletionChunk[] }> {
    const stream = await app.client.chat.completions.create({
      ...params,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    let text = '';
    for await (const chunk of stream) {
      assertMatchesSpec('CreateChatCompletionStreamResponse', chunk);
      chunks.push(chunk);
      text += chunk.choices[0]?.delta.content ?? '';
    }
    return { text, chunks };
  }

  it('runs one tool server-side and streams the final answer, with a progress line and usage summed over steps', async () => {
    fake.script(
      {
        text: 'Let me compute.',
        toolCalls: [{ name: 'calculator', arguments: { expression: '1999 * 12.5%' } }],
        usage: { input: 100, output: 7 },
      },
      { text: 'It comes to 249.875.', usage: { input: 150, output: 9 } },
    );
    const { text, chunks } = await streamText({
      model: `${agent}:toolset=math`,
      messages: [{ role: 'user', content: '12.5% of 1999?' }],
    });

    expect(text).toBe('Let me compute.\n\n> calling calculator…\n\nIt comes to 249.875.');
    expect(chunks.at(-2)?.choices[0].finish_reason).toBe('stop');
    expect(chunks.at(-1)?.usage).toMatchObject({
      prompt_tokens: 250,
      completion_tokens: 16,
      total_tokens: 266,
    });
    expect(chunks.some((c) => c.choices[0]?.delta.tool_calls)).toBe(false);

    const [first, second] = upstream();
    expect(upstream()).toHaveLength(2);
    expect(first.messages[0].role).toBe('system');
    expect(first.messages[0].content).toContain('calculator');
    expect(first.tools?.map((t) => t.function.name)).toEqual(['calculator']);
    expect(second.messages.slice(-2)).toEqual([
      {
        role: 'assistant',
        content: 'Let me compute.',
        tool_calls: [
          expect.objectContaining({
            type: 'function',
            function: { name: 'calculator', arguments: '{"expression":"1999 * 12.5%"}' },
          }),
        ],
      },
      {
        role: 'tool',
        tool_call_id: (second.messages.at(-2)!.tool_calls![0] as { id: string }).id,
        content: '249.875',
      },
    ]);
  });

  it('answers unstreamed requests with one spec-conformant completion and no progress lines', async () => {
    fake.script(
      { toolCalls: [{ name: 'calculator', arguments: { expression: '2^10' } }] },
      { text: '1024.' },
    );
    const completion = await app.client.chat.completions.create({
      model: `${agent}:toolset=math`,
      messages: [{ role: 'user', content: '2^10?' }],
    });
    assertMatchesSpec('CreateChatCompletionResponse', completion);
    expect(completion.choices[0].message.content).toBe('1024.');
    expect(completion.choices[0].finish_reason).toBe('stop');
    expect(toolMessages(1)[0].content).toBe('1024');
  });

  it('runs the tool calls of one turn in parallel and feeds every result back in order', async () => {
    fake.script(
      {
        toolCalls: [
          { name: 'wait', arguments: { label: 'p1', ms: 150 } },
          { name: 'wait', arguments: { label: 'p2', ms: 150 } },
          { name: 'calculator', arguments: { expression: '6 * 7' } },
        ],
      },
      { text: 'All done.' },
    );
    const { text } = await streamText({
      model: `${agent}:toolset=math,slow`,
      messages: [{ role: 'user', content: 'go' }],
    });

    expect(text).toBe('> calling wait ×2, calculator…\n\nAll done.');
    // Both waits started before either ended: they ran at the same time.
    const order = probe.events.filter((e) => /:(p1|p2)$/.test(e));
    expect(order.slice(0, 2).sort()).toEqual(['start:p1', 'start:p2']);
    const calls = upstream()[1].messages.find((m) => m.role === 'assistant')!.tool_calls as Array<{
      id: string;
    }>;
    expect(toolMessages(1)).toEqual([
      { role: 'tool', tool_call_id: calls[0].id, content: 'waited p1' },
      { role: 'tool', tool_call_id: calls[1].id, content: 'waited p2' },
      { role: 'tool', tool_call_id: calls[2].id, content: '42' },
    ]);
  });

  it('sends invalid arguments back to the model as a tool error, and the model recovers', async () => {
    fake.script(
      { toolCalls: [{ name: 'calculator', arguments: { expr: '2+2' } }] },
      { toolCalls: [{ name: 'calculator', arguments: '{"expression": "2+' }] },
      { toolCalls: [{ name: 'calculator', arguments: { expression: '2+2' } }] },
      { text: 'Four.' },
    );
    const { text } = await streamText({
      model: `${agent}:toolset=math:progress=off`,
      messages: [{ role: 'user', content: '2+2?' }],
    });

    expect(text).toBe('Four.');
    expect(upstream()).toHaveLength(4);
    const schemaError = JSON.parse(toolMessages(1)[0].content!) as { error: string };
    expect(schemaError.error).toMatch(
      /invalid arguments for calculator: .*required property 'expression'.*unknown property 'expr'/,
    );
    expect((JSON.parse(toolMessages(2)[1].content!) as { error: string }).error).toMatch(
      /not valid JSON/,
    );
    expect(toolMessages(3)[2].content).toBe('4');
  });

  it('turns a tool that outlives its timeout into a tool error, and goes on', async () => {
    fake.script(
      { toolCalls: [{ name: 'wait', arguments: { label: 'late', ms: 3000 } }] },
      { text: 'The tool was too slow.' },
    );
    const started = Date.now();
    const { text } = await streamText({
      model: `${agent}:toolset=slow`,
      messages: [{ role: 'user', content: 'wait' }],
    });

    expect(text).toBe('> calling wait…\n\nThe tool was too slow.');
    expect(Date.now() - started).toBeLessThan(2500);
    expect(JSON.parse(toolMessages(1)[0].content!)).toEqual({
      error: 'wait timed out after 400 ms',
    });
    expect(probe.events).toContain('aborted:late');
  });

  it('stops cleanly at max_steps, says why, and makes no further model call', async () => {
    fake.script(
      { toolCalls: [{ name: 'calculator', arguments: { expression: '1+1' } }] },
      { toolCalls: [{ name: 'calculator', arguments: { expression: '2+2' } }] },
      { text: 'never reached' },
    );
    const { text, chunks } = await streamText({
      model: `${agent}:toolset=math:max_steps=2`,
      messages: [{ role: 'user', content: 'loop' }],
    });

    expect(upstream()).toHaveLength(2);
    expect(text).toBe(
      '> calling calculator…\n\n_Stopped after 2 steps (max_steps) before a final answer. Ask me to continue, or allow more steps with max_steps=N in the model URN._',
    );
    expect(chunks.at(-2)?.choices[0].finish_reason).toBe('stop');
    // The unused turn is still queued: a plain chat call consumes it.
    await app.client.chat.completions.create({
      model: 'urn:mvp:chat:connector=fake',
      messages: [{ role: 'user', content: 'drain' }],
    });
  });

  it('stops the loop when the client disconnects while a tool runs: the tool is aborted, the model is not called again', async () => {
    fake.script(
      { toolCalls: [{ name: 'wait', arguments: { label: 'gone', ms: 5000 } }] },
      { text: 'must not be requested' },
    );
    const controller = new AbortController();
    const stream = await app.client.chat.completions.create(
      {
        model: `${agent}:toolset=slow:max_steps=5`,
        messages: [{ role: 'user', content: 'wait' }],
        stream: true,
      },
      { signal: controller.signal },
    );
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content?.includes('calling wait')) {
        controller.abort();
        break;
      }
    }
    await probe.seen('start:gone');
    await probe.seen('aborted:gone');
    await sleep(300);
    expect(upstream()).toHaveLength(1);
    // The unused turn is still queued: a plain chat call consumes it.
    await app.client.chat.completions.create({
      model: 'urn:mvp:chat:connector=fake',
      messages: [{ role: 'user', content: 'drain' }],
    });
  });

  it('stops the loop when the client disconnects while the model streams: the upstream request is closed', async () => {
    fake.script({ text: 'a slow answer that takes its time', chunkSize: 2, delayMs: 100 });
    const controller = new AbortController();
    const closed = fake.nextClose();
    const stream = await app.client.chat.completions.create(
      { model: agent, messages: [{ role: 'user', content: 'talk slowly' }], stream: true },
      { signal: controller.signal },
    );
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content) {
        controller.abort();
        break;
      }
    }
    await closed;
    expect(upstream()).toHaveLength(1);
  });

  it('passes client-side tools to the model and returns their calls to the client, dropping server calls of that turn', async () => {
    const weather: OpenAI.ChatCompletionTool = {
      type: 'function',
      function: {
        name: 'get_weather',
        description: 'Weather of a city',
        parameters: { type: 'object', properties: { city: { type: 'string' } } },
      },
    };
    fake.script({
      text: 'Checking.',
      toolCalls: [
        { name: 'calculator', arguments: { expression: '1+1' } },
        { name: 'get_weather', arguments: { city: 'Paris' }, id: 'call_weather' },
      ],
    });
    const messages: OpenAI.ChatCompletionMessageParam[] = [
      { role: 'user', content: 'Weather in Paris?' },
    ];
    const completion = await app.client.chat.completions.create({
      model: `${agent}:toolset=math`,
      messages,
      tools: [weather],
      tool_choice: 'auto',
    });
    assertMatchesSpec('CreateChatCompletionResponse', completion);
    expect(completion.choices[0].finish_reason).toBe('tool_calls');
    expect(completion.choices[0].message.content).toBe('Checking.');
    expect(completion.choices[0].message.tool_calls).toEqual([
      {
        id: 'call_weather',
        type: 'function',
        function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
      },
    ]);
    expect(upstream()).toHaveLength(1);
    expect(upstream()[0].tools?.map((t) => t.function.name)).toEqual(['calculator', 'get_weather']);
    expect(upstream()[0].tool_choice).toBe('auto');

    // The client runs its tool and sends the result back: the agent carries on to the answer.
    fake.script({ text: 'Sunny in Paris.' });
    const followUp = await app.client.chat.completions.create({
      model: `${agent}:toolset=math`,
      messages: [
        ...messages,
        completion.choices[0].message as OpenAI.ChatCompletionMessageParam,
        { role: 'tool', tool_call_id: 'call_weather', content: '{"sky":"sunny"}' },
      ],
      tools: [weather],
    });
    expect(followUp.choices[0].message.content).toBe('Sunny in Paris.');
    expect(upstream()[1].messages.at(-1)).toEqual({
      role: 'tool',
      tool_call_id: 'call_weather',
      content: '{"sky":"sunny"}',
    });
  });

  it('streams client-side tool calls in the OpenAI chunk format', async () => {
    fake.script({ toolCalls: [{ name: 'lookup', arguments: { q: 'x' }, id: 'call_lookup' }] });
    const stream = app.client.chat.completions.stream({
      model: `${agent}:toolset=math`,
      messages: [{ role: 'user', content: 'look it up' }],
      tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object' } } }],
    });
    const final = await stream.finalChatCompletion();
    expect(final.choices[0].finish_reason).toBe('tool_calls');
    expect(final.choices[0].message.tool_calls).toEqual([
      { id: 'call_lookup', type: 'function', function: { name: 'lookup', arguments: '{"q":"x"}' } },
    ]);
  });

  it('refuses a client tool whose name clashes with a server tool', async () => {
    const error = await app.client.chat.completions
      .create({
        model: `${agent}:toolset=math`,
        messages: [{ role: 'user', content: 'x' }],
        tools: [
          { type: 'function', function: { name: 'calculator', parameters: { type: 'object' } } },
        ],
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('tools');
  });

  it('reads workspace files for the model, and refuses paths that leave the workspace', async () => {
    fake.script(
      {
        toolCalls: [
          { name: 'read_file', arguments: { path: 'docs/guide.md' } },
          { name: 'read_file', arguments: { path: '../agent-outside/passwd' } },
          { name: 'read_file', arguments: { path: join(outside, 'passwd') } },
          { name: 'read_file', arguments: { path: 'docs/escape' } },
        ],
      },
      { text: 'The secret word is pineapple.' },
    );
    const { text } = await streamText({
      model: `${agent}:toolset=files:workspace=${encodeURIComponent(root)}`,
      messages: [{ role: 'user', content: 'What is the secret word?' }],
    });
    expect(text).toContain('pineapple');
    expect(upstream()[0].messages[0].content).toContain(`The workspace is ${root}`);
    const [ok, dotdot, absolute, link] = toolMessages(1).map((m) => m.content!);
    expect(ok).toBe('# Guide\nThe secret word is pineapple.');
    expect(JSON.parse(dotdot)).toEqual({
      error: "'..' is not allowed in paths ('../agent-outside/passwd')",
    });
    expect(JSON.parse(absolute).error).toMatch(/is absolute/);
    expect(JSON.parse(link).error).toMatch(/leads outside the workspace/);
    for (const refused of [dotdot, absolute, link]) expect(refused).not.toContain('root:x');
  });

  it('answers 400 for a workspace outside every root, a file toolset without workspace, and unknown toolsets', async () => {
    const cases: Array<[string, RegExp, string]> = [
      [
        `${agent}:toolset=files:workspace=${encodeURIComponent(outside)}`,
        /not inside an allowed workspace root/,
        'invalid_workspace',
      ],
      [`${agent}:toolset=files:workspace=relative%2Fpath`, /absolute path/, 'invalid_workspace'],
      [
        `${agent}:toolset=files:workspace=${encodeURIComponent(join(root, '..'))}`,
        /not inside an allowed workspace root/,
        'invalid_workspace',
      ],
      [`${agent}:toolset=files`, /work on files: add workspace=/, 'invalid_value'],
      [`${agent}:toolset=nope`, /Unknown tool or toolset 'nope'/, 'unknown_tool'],
      [`${agent}:toolset=http_get`, /unavailable: disabled by configuration/, 'unknown_tool'],
      ['urn:mvp:agent:connector=missing', /No connector named 'missing'/, 'model_not_found'],
    ];
    for (const [model, message, code] of cases) {
      const error = (await app.client.chat.completions
        .create({ model, messages: [{ role: 'user', content: 'x' }] })
        .catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
      expect(error).toBeInstanceOf(OpenAI.APIError);
      expect([400, 404]).toContain(error.status);
      expect(error.message).toMatch(message);
      if (code !== 'model_not_found') expect(error.code).toBe(code);
      expect(error.param).toBe('model');
    }
    expect(upstream()).toHaveLength(0);
  });

  it('passes template syntax in user text to the model verbatim (it is never compiled)', async () => {
    const injection =
      'Compute {{ 7*7 }} and {% include "agent-system.njk" %} {{ range(3) }} {# hidden #}';
    // The workspace path comes from the client and is a variable of the system template.
    const folder = join(root, '{{ 7*7 }} {% include "agent-system.njk" %}');
    mkdirSync(folder);
    fake.script({ text: 'ok' }, { text: 'ok' });
    const params = {
      model: `${agent}:toolset=files:workspace=${encodeURIComponent(folder)}`,
      messages: [
        { role: 'system' as const, content: injection },
        { role: 'user' as const, content: injection },
      ],
    };
    await app.client.chat.completions.create(params);
    await streamText(params);
    expect(upstream()).toHaveLength(2);
    for (const { messages } of upstream()) {
      expect(messages[1]).toEqual({ role: 'system', content: injection });
      expect(messages[2]).toEqual({ role: 'user', content: injection });
      const system = messages[0].content!;
      expect(system).toContain(`The workspace is ${folder}. File paths`);
      expect(system).not.toContain('49');
      // The included template would repeat its opening line.
      expect(system.match(/You are a capable assistant/g)).toHaveLength(1);
    }
  });

  it('uses a tool from an extension module added with one decorated class', async () => {
    fake.script(
      { toolCalls: [{ name: 'shout', arguments: { text: 'hello' } }] },
      { text: 'HELLO it is.' },
    );
    await streamText({
      model: `${agent}:toolset=shout`,
      messages: [{ role: 'user', content: 'shout hello' }],
    });
    expect(toolMessages(1)[0].content).toBe('HELLO');
  });
});

/** A system prompt template that cannot work stops the boot, as a configuration error. */
describe('agent OL system template at boot', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'agent-templates-'));
    writeFileSync(join(dir, 'typo.njk'), 'You help.\n{{ tool_names }}\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function bootError(agentConfig: Record<string, unknown>): Promise<unknown> {
    const app = await createApp({
      config: {
        env: {},
        override: { templates: { dir }, ols: { agent: agentConfig } },
      },
      logDestination: new LogCapture(),
    });
    try {
      await app.init();
    } catch (error) {
      return error;
    } finally {
      await app.close();
    }
    return undefined;
  }

  it('names the key, where it was set and the folders searched when the template is missing', async () => {
    const error = await bootError({ systemTemplate: 'missing.njk' });
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).problems).toEqual([
      {
        source: 'override',
        path: 'ols.agent.systemTemplate',
        message: `no template 'missing.njk' in ${dir}`,
      },
    ]);
  });

  it('names the file and line when the template cannot render (an undefined variable)', async () => {
    const error = await bootError({ systemTemplate: 'typo.njk' });
    expect(error).toBeInstanceOf(ConfigurationError);
    const [problem] = (error as ConfigurationError).problems;
    expect(problem.path).toBe('ols.agent.systemTemplate');
    expect(problem.message).toMatch(
      new RegExp(`^the template 'typo\\.njk' fails to render: ${dir}/typo\\.njk:2:\\d+: `),
    );
  });
});

/** The toolset is provider-neutral: the same loop on an Anthropic upstream (tool_use / tool_result). */
describe('agent OL on an Anthropic connector', () => {
  const key = fakeKey('sk-ant-api03');
  let fake: AnthropicFake;
  let app: TestApp;

  beforeAll(async () => {
    fake = await startAnthropicFake({ apiKey: key });
    app = await startWithConnectors(
      [
        {
          name: 'claude',
          provider: 'anthropic',
          baseUrl: fake.url,
          apiKey: { secret: 'anthropic_api_key' },
          defaultModel: 'claude-fake',
          maxRetries: 0,
        },
      ],
      { anthropic_api_key: key },
    );
  });
  afterAll(async () => {
    await app?.close();
    await fake?.close();
  });

  it('runs the tool calls of a Claude model and feeds the results back as tool_result blocks', async () => {
    fake.script(
      {
        toolCalls: [
          { name: 'calculator', arguments: { expression: '6 * 7' } },
          { name: 'current_time', arguments: { timezone: 'Nowhere/Land' } },
        ],
      },
      { text: 'It is 42.' },
    );
    const completion = await app.client.chat.completions.create({
      model: 'urn:mvp:agent:connector=claude:toolset=math,time',
      messages: [{ role: 'user', content: '6 * 7?' }],
    });
    expect(completion.choices[0].message.content).toBe('It is 42.');

    type Block = { type: string; tool_use_id?: string; content?: unknown; is_error?: boolean };
    const [first, second] = fake.requests.map(
      (r) =>
        r.body as {
          system?: unknown;
          tools?: Array<{ name: string; input_schema: unknown }>;
          messages: Array<{ role: string; content: Block[] | string }>;
        },
    );
    expect(first.tools?.map((t) => [t.name, (t.input_schema as { type: string }).type])).toEqual([
      ['calculator', 'object'],
      ['current_time', 'object'],
    ]);
    expect(JSON.stringify(first.system)).toContain('calculator');
    const results = (second.messages.at(-1)!.content as Block[]).filter(
      (b) => b.type === 'tool_result',
    );
    expect(results).toHaveLength(2);
    expect(JSON.stringify(results[0].content)).toContain('42');
    expect(JSON.stringify(results[1].content)).toContain('unknown time zone');
  });

  it('sends a thinking model its signed thinking back with the results of the tools it ran', async () => {
    const thought = 'Multiply with the calculator.';
    fake.script(
      {
        thinking: thought,
        text: 'Computing.',
        toolCalls: [{ name: 'calculator', arguments: { expression: '6 * 7' } }],
      },
      { text: 'It is 42.' },
    );
    const completion = await app.client.chat.completions.create({
      model: 'urn:mvp:agent:connector=claude:toolset=math',
      messages: [{ role: 'user', content: '6 * 7?' }],
    });
    expect(completion.choices[0].message.content).toContain('It is 42.');
    expect(completion.choices[0].message.content).not.toContain(thought);
    const assistant = (fake.lastChat().body.messages as Array<{ role: string; content: unknown }>)
      .filter((m) => m.role === 'assistant')
      .at(-1)!;
    expect((assistant.content as Array<{ type: string; thinking?: string }>)[0]).toMatchObject({
      type: 'thinking',
      thinking: thought,
    });
  });

  it('keeps that thinking across a client-side tool call too, whatever text the client got', async () => {
    const weather: OpenAI.ChatCompletionTool = {
      type: 'function',
      function: { name: 'get_weather', parameters: { type: 'object', properties: {} } },
    };
    const thought = 'Ask the client for the weather.';
    fake.script(
      {
        thinking: thought,
        text: 'Let me look.',
        toolCalls: [{ name: 'get_weather', arguments: {} }],
      },
      { text: 'Sunny.' },
    );
    const model = 'urn:mvp:agent:connector=claude:toolset=math';
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather?' }];
    const first = await app.client.chat.completions.create({ model, messages, tools: [weather] });
    const message = first.choices[0].message;
    expect(first.choices[0].finish_reason).toBe('tool_calls');
    const [call] = message.tool_calls as OpenAI.ChatCompletionMessageFunctionToolCall[];

    const second = await app.client.chat.completions.create({
      model,
      tools: [weather],
      messages: [
        ...messages,
        // A client that keeps no text beside tool calls.
        { role: 'assistant', content: null, tool_calls: [call] },
        { role: 'tool', tool_call_id: call.id, content: 'sunny' },
      ],
    });
    expect(second.choices[0].message.content).toContain('Sunny.');
    const assistant = (fake.lastChat().body.messages as Array<{ role: string; content: unknown }>)
      .filter((m) => m.role === 'assistant')
      .at(-1)!;
    expect((assistant.content as Array<{ type: string }>).map((b) => b.type)).toEqual([
      'thinking',
      'text',
      'tool_use',
    ]);
  });
});
