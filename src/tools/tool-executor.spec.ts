import { beforeAll, describe, expect, it } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ToolCall } from '../common/chat.types.js';
import { ToolExecutor } from './tool-executor.js';
import { ToolRegistry, type ToolSpec } from './tool-registry.js';
import { ToolError } from './tool.decorator.js';
import { ToolsConfig } from './tools.config.js';

function setup(spec: Partial<ToolSpec> & Pick<ToolSpec, 'run'>, config: Partial<ToolsConfig> = {}) {
  const registry = new ToolRegistry(undefined as never);
  const tool = registry.register({
    name: 'probe',
    description: 'test tool',
    parameters: {
      type: 'object',
      properties: {
        n: { type: 'integer', minimum: 0 },
        label: { type: 'string', default: 'none' },
      },
      required: ['n'],
      additionalProperties: false,
    },
    source: 'test',
    ...spec,
  });
  const executor = new ToolExecutor(Object.assign(new ToolsConfig(), config));
  const scope = { signal: new AbortController().signal, caller: { userId: 'u1' } };
  const call = (args: string, id = 'call_1'): ToolCall => ({
    id,
    type: 'function',
    function: { name: 'probe', arguments: args },
  });
  return { tool, executor, scope, call };
}

const errorOf = (content: unknown): string =>
  (JSON.parse(String(content)) as { error: string }).error;

describe('ToolExecutor', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('runs a tool with schema-checked arguments (defaults filled in) and answers a tool message', async () => {
    let seen: unknown;
    const { tool, executor, scope, call } = setup({
      run: (args, ctx) => (
        (seen = { args, caller: ctx.caller, id: ctx.callId, ms: ctx.timeoutMs }),
        { ok: true }
      ),
    });
    const message = await executor.execute(tool, call('{"n": 3}', 'call_x'), scope);
    expect(message).toEqual({ role: 'tool', tool_call_id: 'call_x', content: '{"ok":true}' });
    expect(seen).toEqual({
      args: { n: 3, label: 'none' },
      caller: { userId: 'u1' },
      id: 'call_x',
      ms: 30_000,
    });
  });

  it('treats empty arguments as {} (models send "" for argument-less tools)', async () => {
    const { tool, executor, scope, call } = setup({
      parameters: { type: 'object' },
      run: () => 'fine',
    });
    expect((await executor.execute(tool, call(''), scope)).content).toBe('fine');
  });

  it('answers invalid JSON, non-objects and schema failures with a readable error, without running the tool', async () => {
    let runs = 0;
    const { tool, executor, scope, call } = setup({ run: () => String(++runs) });
    expect(errorOf((await executor.execute(tool, call('{"n": 1'), scope)).content)).toMatch(
      /^the arguments are not valid JSON/,
    );
    expect(errorOf((await executor.execute(tool, call('[1]'), scope)).content)).toBe(
      'the arguments must be a JSON object',
    );
    expect(
      errorOf((await executor.execute(tool, call('{"n": -1, "extra": true}'), scope)).content),
    ).toBe(
      "invalid arguments for probe: arguments: unknown property 'extra'; arguments.n: must be >= 0",
    );
    expect(errorOf((await executor.execute(tool, call('{}'), scope)).content)).toBe(
      "invalid arguments for probe: arguments: must have required property 'n'",
    );
    expect(runs).toBe(0);
  });

  it('reports a ToolError or any other throw by its message', async () => {
    const failing = setup({ run: () => Promise.reject(new ToolError('no such record')) });
    expect(
      errorOf(
        (await failing.executor.execute(failing.tool, failing.call('{"n":1}'), failing.scope))
          .content,
      ),
    ).toBe('no such record');
    const crashing = setup({
      run: () => {
        throw new TypeError('cannot read properties of undefined');
      },
    });
    expect(
      errorOf(
        (await crashing.executor.execute(crashing.tool, crashing.call('{"n":1}'), crashing.scope))
          .content,
      ),
    ).toBe('cannot read properties of undefined');
  });

  it('gives up on a tool at its timeout, aborting its signal, even when it ignores the signal', async () => {
    let signal: AbortSignal | undefined;
    const { tool, executor, scope, call } = setup(
      {
        run: async (_args, ctx) => (
          (signal = ctx.signal),
          await sleep(5_000, undefined, { ref: false }),
          'too late'
        ),
      },
      { timeoutMs: 50 },
    );
    const started = Date.now();
    const message = await executor.execute(tool, call('{"n":1}'), scope);
    expect(errorOf(message.content)).toBe('probe timed out after 50 ms');
    expect(Date.now() - started).toBeLessThan(1000);
    expect(signal?.aborted).toBe(true);
  });

  it('uses the per-tool timeout over the configured one', async () => {
    const { tool, executor, scope, call } = setup(
      { timeoutMs: 30, run: () => sleep(2_000, 'slow', { ref: false }) },
      { timeoutMs: 60_000 },
    );
    expect(errorOf((await executor.execute(tool, call('{"n":1}'), scope)).content)).toBe(
      'probe timed out after 30 ms',
    );
  });

  it('passes the request abort on to the tool and reports a cancellation', async () => {
    const request = new AbortController();
    let toolSignal: AbortSignal | undefined;
    const { tool, executor, call } = setup({
      run: (_args, ctx) => ((toolSignal = ctx.signal), sleep(5_000, 'x', { ref: false })),
    });
    const pending = executor.execute(tool, call('{"n":1}'), {
      signal: request.signal,
      caller: { userId: 'u' },
    });
    await sleep(10);
    request.abort();
    expect(errorOf((await pending).content)).toMatch(/^cancelled/);
    expect(toolSignal?.aborted).toBe(true);
  });

  it('caps the output at maxOutputBytes on a character boundary and says so', async () => {
    const { tool, executor, scope, call } = setup(
      { run: () => 'é'.repeat(1000) },
      { maxOutputBytes: 300 },
    );
    const content = String((await executor.execute(tool, call('{"n":1}'), scope)).content);
    expect(Buffer.byteLength(content)).toBeLessThanOrEqual(300);
    expect(content).toMatch(/^é+\n\[output truncated: 300 of 2000 bytes shown\]$/);
  });

  it('refuses a file tool when no workspace is open', async () => {
    const { tool, executor, scope, call } = setup({ needsWorkspace: true, run: () => 'x' });
    expect(errorOf((await executor.execute(tool, call('{"n":1}'), scope)).content)).toBe(
      'probe works on files, and this conversation has no workspace',
    );
  });

  it('reports an output that cannot be serialized instead of throwing', async () => {
    const { tool, executor, scope, call } = setup({ run: () => ({ big: 1n }) as never });
    expect(errorOf((await executor.execute(tool, call('{"n":1}'), scope)).content)).toMatch(
      /BigInt/,
    );
  });
});
