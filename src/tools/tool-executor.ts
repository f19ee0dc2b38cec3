import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ChatMessage, ToolCall } from '../common/chat.types.js';
import type { CallerIdentity } from '../orchestration/orchestration-logic.js';
import type { RegisteredTool } from './tool-registry.js';
import { ToolError, type ToolContext, type ToolOutput } from './tool.decorator.js';
import { toolsConfig, type ToolsConfig } from './tools.config.js';
import type { Workspace } from './workspace.js';

/** What the caller of a tool knows: the request's signal, who asked, where. */
export interface ToolCallScope {
  signal: AbortSignal;
  caller: CallerIdentity;
  workspace?: Workspace;
}

class ToolTimeout extends Error {}

/**
 * Runs one tool call and always answers with a `role: 'tool'` message: bad JSON, a schema
 * failure, a throw or a timeout become `{"error": "..."}` the model can read and act on.
 * A tool that ignores its signal is abandoned at the timeout (its promise is left behind).
 */
@Injectable()
export class ToolExecutor {
  private readonly logger = new Logger('Tools');

  constructor(@Inject(toolsConfig.KEY) private readonly config: ToolsConfig) {}

  async execute(tool: RegisteredTool, call: ToolCall, scope: ToolCallScope): Promise<ChatMessage> {
    const reply = (content: string): ChatMessage => ({
      role: 'tool',
      tool_call_id: call.id,
      content,
    });
    const fail = (message: string): ChatMessage => reply(JSON.stringify({ error: message }));

    const parsed = parseArguments(call.function.arguments);
    if ('error' in parsed) return fail(parsed.error);
    const invalid = tool.check(parsed.args);
    if (invalid) return fail(`invalid arguments for ${tool.wireName}: ${invalid}`);
    if (tool.needsWorkspace && !scope.workspace) {
      return fail(`${tool.wireName} works on files, and this conversation has no workspace`);
    }
    if (scope.signal.aborted) return fail('cancelled: the request was aborted');

    const timeoutMs = tool.timeoutMs ?? this.config.timeoutMs;
    const controller = new AbortController();
    const onAbort = (): void => controller.abort(scope.signal.reason);
    scope.signal.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => controller.abort(new ToolTimeout()), timeoutMs);
    const context: ToolContext = {
      signal: controller.signal,
      caller: scope.caller,
      workspace: scope.workspace,
      callId: call.id,
      timeoutMs,
    };
    const started = performance.now();
    try {
      const output = await untilAborted(
        Promise.resolve().then(() => tool.run(parsed.args, context)),
        controller.signal,
      );
      this.logger.debug(
        { tool: tool.name, ms: Math.round(performance.now() - started) },
        'tool call done',
      );
      return reply(this.cap(serialize(output)));
    } catch (error) {
      const ms = Math.round(performance.now() - started);
      if (controller.signal.reason instanceof ToolTimeout) {
        this.logger.warn({ tool: tool.name, ms }, 'tool call timed out');
        return fail(`${tool.wireName} timed out after ${timeoutMs} ms`);
      }
      if (scope.signal.aborted) return fail('cancelled: the request was aborted');
      if (!(error instanceof ToolError))
        this.logger.warn({ tool: tool.name, ms, err: error }, 'tool call failed');
      return fail(this.cap((error as Error)?.message || `${tool.wireName} failed`));
    } finally {
      clearTimeout(timer);
      scope.signal.removeEventListener('abort', onAbort);
    }
  }

  /** Cuts text to `maxOutputBytes` of UTF-8 (on a character boundary), saying so. */
  cap(text: string): string {
    const max = this.config.maxOutputBytes;
    const bytes = Buffer.byteLength(text);
    if (bytes <= max) return text;
    const note = `\n[output truncated: ${max} of ${bytes} bytes shown]`;
    const kept = Buffer.from(text)
      .subarray(0, max - Buffer.byteLength(note))
      .toString('utf8')
      .replace(/\uFFFD+$/, '');
    return kept + note;
  }
}

function parseArguments(raw: string): { args: Record<string, unknown> } | { error: string } {
  if (raw.trim() === '') return { args: {} };
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    return {
      error: `the arguments are not valid JSON (${(error as Error).message}); send one JSON object`,
    };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { error: 'the arguments must be a JSON object' };
  }
  return { args: value as Record<string, unknown> };
}

function serialize(output: ToolOutput | undefined): string {
  if (typeof output === 'string') return output;
  return JSON.stringify(output ?? null);
}

function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
