import type Anthropic from '@anthropic-ai/sdk';
import type {
  ChatEvent,
  ChatMessage,
  ChatRequest,
  ContentPart,
  FinishReason,
  Usage,
} from '../../common/chat.types.js';
import { argumentsObject } from '../connector-support.js';
import { ConnectorError, ConnectorErrorCode } from '../connector.error.js';
import type { ConnectorDefaults } from '../connectors.config.js';

/**
 * OpenAI's chat shape ⇄ Anthropic's Messages API, both ways, as pure functions.
 * Requests: system/developer messages become `system`; turns of the same role merge (tool
 * results first in a user turn, as Anthropic requires); assistant `tool_calls` become
 * `tool_use` blocks and `tool` messages `tool_result` blocks. Answers: content blocks and
 * stream events become neutral events, Anthropic's block indexes renumbered into OpenAI's
 * tool-call indexes. Sampling parameters do not exist in Anthropic's current API version.
 * Thinking is not shown (OpenAI's chat format has no place for it), but a turn that thought
 * and called tools is kept whole (`ThinkingTurns`): Anthropic wants it back unchanged.
 */

export type AnthropicParams = Anthropic.MessageCreateParamsNonStreaming;
type UserBlock = Anthropic.ContentBlockParam;
/** An assistant turn's blocks as Anthropic sent them, to send back as they were. */
export type AssistantTurn = Anthropic.ContentBlockParam[];
type ImageMediaType = Anthropic.Base64ImageSource['media_type'];

/** Anthropic requires `max_tokens`; used when neither the client nor the config sets one. */
const DEFAULT_MAX_TOKENS = 4096;
const IMAGE_TYPES = new Set<string>(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);
const DATA_URL = /^data:([^;,]+)(?:;[^;,]*)*;base64,(.*)$/s;

/**
 * `kept`: turns that thought and called tools, by their first call's id; an assistant
 * message that matches one (same text, same calls) is sent as that turn, thinking included.
 */
export function toAnthropicParams(
  request: ChatRequest,
  model: string,
  defaults: ConnectorDefaults,
  kept?: ReadonlyMap<string, AssistantTurn>,
): AnthropicParams {
  const system: string[] = [];
  const turns: Array<{ role: 'user' | 'assistant'; results: UserBlock[]; blocks: UserBlock[] }> =
    [];
  const push = (
    role: 'user' | 'assistant',
    blocks: UserBlock[],
    results: UserBlock[] = [],
  ): void => {
    if (!blocks.length && !results.length) return;
    const last = turns.at(-1);
    if (last?.role === role) {
      last.results.push(...results);
      last.blocks.push(...blocks);
    } else {
      turns.push({ role, results, blocks });
    }
  };

  request.messages.forEach((message, i) => {
    switch (message.role) {
      case 'system':
      case 'developer': {
        const text = plainText(message.content, `messages[${i}].content`);
        if (text) system.push(text);
        break;
      }
      case 'user':
        push('user', userBlocks(message.content, `messages[${i}].content`));
        break;
      case 'assistant': {
        const blocks = assistantBlocks(message, i);
        const turn = message.tool_calls?.length ? kept?.get(message.tool_calls[0].id) : undefined;
        push('assistant', turn && sameTurn(turn, blocks) ? turn : blocks);
        break;
      }
      case 'tool':
        push('user', [], [toolResult(message, i)]);
        break;
    }
  });

  const params: AnthropicParams = {
    model,
    max_tokens:
      request.max_completion_tokens ??
      request.max_tokens ??
      defaults.max_tokens ??
      DEFAULT_MAX_TOKENS,
    messages: turns.map(
      (t) => ({ role: t.role, content: [...t.results, ...t.blocks] }) as Anthropic.MessageParam,
    ),
  };
  if (system.length) params.system = system.join('\n\n');
  // API version 2026-10-21 (the SDK's) has no sampling parameters: temperature, top_p,
  // seed, penalties and logit_bias have no counterpart and are not sent.
  if (request.stop !== undefined)
    params.stop_sequences = typeof request.stop === 'string' ? [request.stop] : request.stop;
  // Anthropic's end-user id is for abuse detection, as OpenAI's `safety_identifier` is.
  const endUser = request.safety_identifier ?? request.user;
  if (endUser) params.metadata = { user_id: endUser };
  if (request.tools?.length) {
    params.tools = request.tools.map((tool) => ({
      name: tool.function.name,
      ...(tool.function.description ? { description: tool.function.description } : {}),
      input_schema: { type: 'object', ...tool.function.parameters } as Anthropic.Tool.InputSchema,
      ...(tool.function.strict === true ? { strict: true } : {}),
    }));
    const choice = toToolChoice(request);
    if (choice) params.tool_choice = choice;
  }
  const output = outputConfig(request);
  if (output) params.output_config = output;
  return params;
}

function toToolChoice(request: ChatRequest): Anthropic.ToolChoice | undefined {
  const choice = request.tool_choice;
  const serial = request.parallel_tool_calls === false ? { disable_parallel_tool_use: true } : {};
  if (choice === 'none') return { type: 'none' };
  if (choice === undefined || choice === 'auto')
    return request.parallel_tool_calls === false ? { type: 'auto', ...serial } : undefined;
  if (choice === 'required') return { type: 'any', ...serial };
  return { type: 'tool', name: choice.function.name, ...serial };
}

/** `json_schema` → structured output; `reasoning_effort` → effort. `json_object` has no counterpart. */
function outputConfig(request: ChatRequest): Anthropic.OutputConfig | undefined {
  const config: Anthropic.OutputConfig = {};
  const format = request.response_format;
  if (format?.type === 'json_schema' && format.json_schema.schema) {
    config.format = { type: 'json_schema', schema: format.json_schema.schema };
  }
  const effort = request.reasoning_effort;
  if (effort === 'minimal') config.effort = 'low';
  else if (effort === 'low' || effort === 'medium' || effort === 'high' || effort === 'xhigh')
    config.effort = effort;
  return config.format || config.effort ? config : undefined;
}

function unsupported(message: string, param: string): ConnectorError {
  return new ConnectorError(ConnectorErrorCode.UNSUPPORTED_INPUT, message, { param });
}

/** System and tool messages carry text only. */
function plainText(content: ChatMessage['content'], param: string): string {
  if (content === undefined || content === null) return '';
  if (typeof content === 'string') return content;
  return content
    .map((part, j) => {
      if (part.type === 'text') return part.text;
      if (part.type === 'refusal') return part.refusal;
      throw unsupported(
        `Anthropic takes only text in this message (found ${part.type})`,
        `${param}[${j}]`,
      );
    })
    .join('');
}

function userBlocks(content: ChatMessage['content'], param: string): UserBlock[] {
  if (content === undefined || content === null) return [];
  if (typeof content === 'string') return content ? [{ type: 'text', text: content }] : [];
  const blocks: UserBlock[] = [];
  content.forEach((part, j) => {
    const block = userBlock(part, `${param}[${j}]`);
    if (block) blocks.push(block);
  });
  return blocks;
}

function userBlock(part: ContentPart, param: string): UserBlock | undefined {
  switch (part.type) {
    case 'text':
      return part.text ? { type: 'text', text: part.text } : undefined;
    case 'refusal':
      return part.refusal ? { type: 'text', text: part.refusal } : undefined;
    case 'image_url': {
      const url = part.image_url.url;
      const data = DATA_URL.exec(url);
      if (data) {
        // Media types are case-insensitive, and `image/jpg` is a common misspelling.
        const type = data[1].toLowerCase().replace(/^image\/jpg$/, 'image/jpeg');
        if (!IMAGE_TYPES.has(type))
          throw unsupported(`Anthropic takes JPEG, PNG, GIF or WebP images, not ${data[1]}`, param);
        return {
          type: 'image',
          source: { type: 'base64', media_type: type as ImageMediaType, data: data[2] },
        };
      }
      if (/^https?:\/\//i.test(url)) return { type: 'image', source: { type: 'url', url } };
      throw unsupported('An image must be a data: URL or an http(s) URL', param);
    }
    case 'file': {
      const data = part.file.file_data ? DATA_URL.exec(part.file.file_data) : null;
      if (data?.[1] === 'application/pdf') {
        return {
          type: 'document',
          source: { type: 'base64', media_type: 'application/pdf', data: data[2] },
        };
      }
      if (data?.[1] === 'text/plain') {
        return {
          type: 'document',
          source: {
            type: 'text',
            media_type: 'text/plain',
            data: Buffer.from(data[2], 'base64').toString('utf8'),
          },
        };
      }
      throw unsupported(
        'Anthropic takes files as PDF or plain-text data: URLs in file_data (file ids are OpenAI-only)',
        param,
      );
    }
    case 'input_audio':
      throw unsupported('Anthropic does not take audio input', param);
  }
}

function assistantBlocks(message: ChatMessage, i: number): UserBlock[] {
  const blocks: UserBlock[] = [];
  const text = plainText(message.content, `messages[${i}].content`);
  if (text) blocks.push({ type: 'text', text });
  message.tool_calls?.forEach((call, j) => {
    blocks.push({
      type: 'tool_use',
      id: call.id,
      name: call.function.name,
      input: toolInput(
        call.function.arguments,
        `messages[${i}].tool_calls[${j}].function.arguments`,
      ),
    });
  });
  return blocks;
}

/**
 * Whether a kept turn made the calls the client sent back (ids, names, inputs whatever their
 * key order): a client that changed a call gets its change. Its text may differ — clients
 * drop or rewrite an assistant's text beside tool calls — and goes as kept: Anthropic takes
 * the turn back only as it was.
 */
function sameTurn(turn: AssistantTurn, sent: UserBlock[]): boolean {
  const calls = (blocks: UserBlock[]): string =>
    canonicalJson(blocks.flatMap((b) => (b.type === 'tool_use' ? [[b.id, b.name, b.input]] : [])));
  return calls(turn) === calls(sent);
}

function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

function toolInput(args: string, param: string): Record<string, unknown> {
  const input = argumentsObject(args);
  if (!input)
    throw unsupported('Tool-call arguments must be a JSON object to pass them to Anthropic', param);
  return input;
}

function toolResult(message: ChatMessage, i: number): UserBlock {
  const text = plainText(message.content, `messages[${i}].content`);
  return {
    type: 'tool_result',
    tool_use_id: message.tool_call_id ?? '',
    ...(text ? { content: text } : {}),
  };
}

// ---- answers ----

export function toFinishReason(reason: Anthropic.StopReason | null | undefined): FinishReason {
  switch (reason) {
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'refusal':
      return 'content_filter';
    default:
      return 'stop';
  }
}

interface AnthropicUsage {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  output_tokens_details?: { thinking_tokens?: number } | null;
}

/**
 * OpenAI's `prompt_tokens` include cached ones; Anthropic counts them apart. Thinking tokens
 * are part of `output_tokens` in both: OpenAI's `reasoning_tokens`.
 */
export function toUsage(usage: AnthropicUsage): Usage {
  const cacheRead = usage.cache_read_input_tokens ?? 0;
  const prompt = (usage.input_tokens ?? 0) + (usage.cache_creation_input_tokens ?? 0) + cacheRead;
  const completion = usage.output_tokens ?? 0;
  const out: Usage = {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
  };
  if (usage.cache_read_input_tokens != null)
    out.prompt_tokens_details = { cached_tokens: cacheRead };
  const thinking = usage.output_tokens_details?.thinking_tokens;
  if (typeof thinking === 'number') out.completion_tokens_details = { reasoning_tokens: thinking };
  return out;
}

/** A complete message as events, in the order a stream would have given them. */
export function messageEvents(message: Anthropic.Message): ChatEvent[] {
  const events: ChatEvent[] = [];
  let tools = 0;
  for (const block of message.content) {
    if (block.type === 'text' && block.text) events.push({ type: 'text', text: block.text });
    else if (block.type === 'tool_use') {
      events.push({
        type: 'tool_call',
        index: tools++,
        id: block.id,
        name: block.name,
        arguments: JSON.stringify(block.input ?? {}),
      });
    }
  }
  events.push({ type: 'usage', usage: toUsage(message.usage) });
  events.push({ type: 'finish', reason: toFinishReason(message.stop_reason) });
  return events;
}

/**
 * The turn to keep from an answer: one that thought (thinking or redacted thinking blocks)
 * and called tools, as blocks to send back; undefined for any other.
 */
export function thinkingTurnOf(content: Anthropic.ContentBlock[]): AssistantTurn | undefined {
  const first = content[0]?.type;
  if (first !== 'thinking' && first !== 'redacted_thinking') return undefined;
  if (!content.some((block) => block.type === 'tool_use')) return undefined;
  // An unsigned thinking block would be refused when sent back.
  if (content.some((block) => block.type === 'thinking' && !block.signature)) return undefined;
  return content.flatMap((block): AssistantTurn => {
    switch (block.type) {
      case 'thinking':
        return [{ type: 'thinking', thinking: block.thinking, signature: block.signature }];
      case 'redacted_thinking':
        return [{ type: 'redacted_thinking', data: block.data }];
      case 'text':
        return block.text ? [{ type: 'text', text: block.text }] : [];
      case 'tool_use':
        return [{ type: 'tool_use', id: block.id, name: block.name, input: block.input }];
      default:
        return [];
    }
  });
}

/** The stream events the translator reads (`ping` and `error` are not in the SDK's union). */
export type AnthropicStreamEvent = Anthropic.RawMessageStreamEvent | { type: 'ping' };

/**
 * Turns one stream's events into neutral events. Anthropic numbers content blocks (text
 * and tool_use together); OpenAI numbers tool calls only, so tool blocks are renumbered.
 * A message that begins by thinking is also assembled block by block, to keep.
 */
export class AnthropicStreamTranslator {
  private readonly toolIndex = new Map<number, { index: number; sentArguments: boolean }>();
  private tools = 0;
  private usage: AnthropicUsage = {};
  private stopReason: Anthropic.StopReason | null = null;
  /** The message's blocks by index, with each tool's input as JSON text, while thinking. */
  private blocks?: Array<Anthropic.ContentBlock & { json?: string }>;

  /**
   * Appends the events for `event` to `out`; true once the message is complete, when the
   * usage and finish events are `end()`'s.
   */
  push(event: AnthropicStreamEvent, out: ChatEvent[]): boolean {
    switch (event.type) {
      case 'message_start':
        this.usage = { ...event.message.usage };
        return false;
      case 'content_block_start': {
        const block = event.content_block;
        if (event.index === 0 && (block.type === 'thinking' || block.type === 'redacted_thinking'))
          this.blocks = [];
        if (this.blocks) this.blocks[event.index] = { ...block, json: '' };
        if (block.type === 'text') {
          if (block.text) out.push({ type: 'text', text: block.text });
        } else if (block.type === 'tool_use') {
          const tool = { index: this.tools++, sentArguments: false };
          this.toolIndex.set(event.index, tool);
          const given =
            block.input && typeof block.input === 'object' && Object.keys(block.input).length > 0;
          out.push({
            type: 'tool_call',
            index: tool.index,
            id: block.id,
            name: block.name,
            ...(given ? { arguments: JSON.stringify(block.input) } : {}),
          });
          tool.sentArguments = Boolean(given);
        }
        return false;
      }
      case 'content_block_delta': {
        const delta = event.delta;
        if (this.blocks) assemble(this.blocks[event.index], delta);
        if (delta.type === 'text_delta') {
          if (delta.text) out.push({ type: 'text', text: delta.text });
        } else if (delta.type === 'input_json_delta') {
          const tool = this.toolIndex.get(event.index);
          if (tool && delta.partial_json) {
            out.push({ type: 'tool_call', index: tool.index, arguments: delta.partial_json });
            tool.sentArguments = true;
          }
        }
        return false;
      }
      case 'content_block_stop': {
        // A tool without arguments still needs a JSON object for OpenAI clients to parse.
        const tool = this.toolIndex.get(event.index);
        if (tool && !tool.sentArguments) {
          out.push({ type: 'tool_call', index: tool.index, arguments: '{}' });
          tool.sentArguments = true;
        }
        return false;
      }
      case 'message_delta': {
        this.stopReason = event.delta.stop_reason ?? this.stopReason;
        const u = event.usage;
        this.usage.output_tokens = u.output_tokens;
        if (u.input_tokens != null) this.usage.input_tokens = u.input_tokens;
        if (u.cache_creation_input_tokens != null)
          this.usage.cache_creation_input_tokens = u.cache_creation_input_tokens;
        if (u.cache_read_input_tokens != null)
          this.usage.cache_read_input_tokens = u.cache_read_input_tokens;
        if (u.output_tokens_details != null)
          this.usage.output_tokens_details = u.output_tokens_details;
        return false;
      }
      case 'message_stop':
        return true;
      case 'ping':
        return false;
    }
  }

  /** The complete message's usage and finish events. */
  end(): ChatEvent[] {
    return [
      { type: 'usage', usage: toUsage(this.usage) },
      { type: 'finish', reason: toFinishReason(this.stopReason) },
    ];
  }

  /** The turn to keep (see `thinkingTurnOf`), once the message is complete. */
  thinkingTurn(): AssistantTurn | undefined {
    if (!this.blocks) return undefined;
    const content: Anthropic.ContentBlock[] = [];
    for (const entry of this.blocks) {
      if (!entry) return undefined;
      const { json, ...block } = entry;
      if (block.type === 'tool_use') {
        const input = json ? argumentsObject(json) : block.input;
        if (!input) return undefined;
        content.push({ ...block, input });
      } else content.push(block);
    }
    return thinkingTurnOf(content);
  }
}

/** Adds a delta to the block it belongs to (a block the stream never started is ignored). */
function assemble(
  block: (Anthropic.ContentBlock & { json?: string }) | undefined,
  delta: Anthropic.RawContentBlockDelta,
): void {
  if (delta.type === 'thinking_delta' && block?.type === 'thinking')
    block.thinking += delta.thinking;
  else if (delta.type === 'signature_delta' && block?.type === 'thinking')
    block.signature = delta.signature;
  else if (delta.type === 'text_delta' && block?.type === 'text') block.text += delta.text;
  else if (delta.type === 'input_json_delta' && block) block.json += delta.partial_json;
}

/** The HTTP status Anthropic uses for an error type, to map a mid-stream `error` event like a response. */
export function statusOfErrorType(type: string | undefined): number {
  switch (type) {
    case 'invalid_request_error':
      return 400;
    case 'authentication_error':
      return 401;
    case 'permission_error':
      return 403;
    case 'not_found_error':
      return 404;
    case 'request_too_large':
      return 413;
    case 'rate_limit_error':
      return 429;
    case 'overloaded_error':
      return 529;
    default:
      return 500;
  }
}
