import { randomUUID } from 'node:crypto';
import type { FinishReason, TokenLogprob, Usage } from '../../common/chat.types.js';
import type { CreateResponseDto } from './dto/create-response.dto.js';

/** An id with a prefix for its kind (`resp_`, `msg_`, `fc_`, a call's `call_`, a call output's `fco_`). */
export function newId(prefix: 'resp' | 'msg' | 'fc' | 'call' | 'fco'): string {
  return `${prefix}_${randomUUID().replaceAll('-', '')}`;
}

/** What every Response object of one request repeats: its id, time, model and the echoed request. */
export interface ResponseMeta {
  id: string;
  createdAt: number;
  /** The request's settings, as the Response object echoes them. */
  echo: Record<string, unknown>;
}

/** `stored`: whether the response will be kept (for `previous_response_id`, GET, DELETE). */
export function newResponseMeta(body: CreateResponseDto, stored: boolean): ResponseMeta {
  const echo: Record<string, unknown> = {
    model: body.model,
    instructions: body.instructions ?? null,
    tools: (body.tools ?? []).map((tool) => ({
      type: 'function',
      name: tool.name,
      description: tool.description ?? null,
      parameters: tool.parameters ?? null,
      strict: tool.strict ?? null,
    })),
    tool_choice: body.tool_choice ?? 'auto',
    parallel_tool_calls: body.parallel_tool_calls ?? true,
    temperature: body.temperature ?? null,
    top_p: body.top_p ?? null,
    top_logprobs: body.top_logprobs ?? null,
    max_output_tokens: body.max_output_tokens ?? null,
    text: {
      format: body.text?.format ?? { type: 'text' },
      verbosity: body.text?.verbosity ?? null,
    },
    reasoning: { effort: body.reasoning?.effort ?? null, summary: null },
    metadata: body.metadata ?? {},
    safety_identifier: body.safety_identifier ?? null,
    prompt_cache_key: body.prompt_cache_key ?? null,
    store: stored,
    previous_response_id: body.previous_response_id ?? null,
    background: false,
    truncation: 'disabled',
  };
  // The spec has no null `user`: one sent as null is not echoed.
  if (typeof body.user === 'string') echo.user = body.user;
  return { id: newId('resp'), createdAt: Math.floor(Date.now() / 1000), echo };
}

export type ResponseStatus = 'in_progress' | 'completed' | 'incomplete' | 'failed';

/** How an answer that finished for `reason` ends: incomplete when cut by the token limit or a filter. */
export function endOf(reason: FinishReason): {
  status: 'completed' | 'incomplete';
  incomplete_details: { reason: 'max_output_tokens' | 'content_filter' } | null;
} {
  if (reason === 'length')
    return { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } };
  if (reason === 'content_filter')
    return { status: 'incomplete', incomplete_details: { reason: 'content_filter' } };
  return { status: 'completed', incomplete_details: null };
}

export interface ResponseState {
  status: ResponseStatus;
  output: unknown[];
  usage?: Usage;
  incomplete_details?: { reason: string } | null;
  error?: { code: string; message: string } | null;
}

/** The Response object in OpenAI's shape. */
export function responseObject(meta: ResponseMeta, state: ResponseState): Record<string, unknown> {
  return {
    id: meta.id,
    object: 'response',
    created_at: meta.createdAt,
    status: state.status,
    completed_at: state.status === 'completed' ? Math.floor(Date.now() / 1000) : null,
    error: state.error ?? null,
    incomplete_details: state.incomplete_details ?? null,
    output: state.output,
    ...meta.echo,
    ...(state.usage ? { usage: responseUsage(state.usage) } : {}),
  };
}

function responseUsage(usage: Usage): Record<string, unknown> {
  return {
    input_tokens: usage.prompt_tokens,
    input_tokens_details: {
      cached_tokens: usage.prompt_tokens_details?.cached_tokens ?? 0,
      // No connector reports cache writes in the neutral usage.
      cache_write_tokens: 0,
    },
    output_tokens: usage.completion_tokens,
    output_tokens_details: {
      reasoning_tokens: usage.completion_tokens_details?.reasoning_tokens ?? 0,
    },
    total_tokens: usage.total_tokens,
  };
}

export type ItemStatus = 'in_progress' | 'completed' | 'incomplete';

export function outputText(text: string, logprobs: TokenLogprob[] = []): Record<string, unknown> {
  return { type: 'output_text', text, annotations: [], logprobs: logprobs.map(logProb) };
}

export function messageItem(
  id: string,
  status: ItemStatus,
  content: unknown[],
): Record<string, unknown> {
  return { id, type: 'message', role: 'assistant', status, content };
}

export function functionCallItem(
  id: string,
  status: ItemStatus,
  call: { id: string; name: string; arguments: string },
): Record<string, unknown> {
  return {
    id,
    type: 'function_call',
    status,
    call_id: call.id,
    name: call.name,
    arguments: call.arguments,
  };
}

/** An output_text part's token (bytes are an array here, never null). */
function logProb(token: TokenLogprob): Record<string, unknown> {
  return {
    token: token.token,
    logprob: token.logprob,
    bytes: token.bytes ?? [],
    top_logprobs: token.top_logprobs.map((t) => ({
      token: t.token,
      logprob: t.logprob,
      bytes: t.bytes ?? [],
    })),
  };
}

/** A text delta's tokens, in the lighter shape of stream events. */
export function deltaLogprobs(tokens: TokenLogprob[] | undefined): unknown[] {
  return (tokens ?? []).map((t) => ({
    token: t.token,
    logprob: t.logprob,
    top_logprobs: t.top_logprobs.map(({ token, logprob }) => ({ token, logprob })),
  }));
}
