import type OpenAI from 'openai';
import type { ChatEvent, ChatRequest, FinishReason, Usage } from '../../common/chat.types.js';
import type { ConnectorDefaults } from '../connectors.config.js';

type CreateParams = OpenAI.ChatCompletionCreateParamsNonStreaming;

/** Request fields passed to an OpenAI-compatible upstream as they are. */
const PASSED = [
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'temperature',
  'top_p',
  'max_tokens',
  'max_completion_tokens',
  'presence_penalty',
  'frequency_penalty',
  'stop',
  'seed',
  'response_format',
  'logit_bias',
  'reasoning_effort',
  'logprobs',
  'top_logprobs',
  'user',
  'safety_identifier',
  'prompt_cache_key',
  'verbosity',
  'service_tier',
] as const satisfies ReadonlyArray<keyof ChatRequest & keyof CreateParams>;

/**
 * The neutral request is OpenAI's own shape: it passes through, with the upstream model and
 * the connector's defaults for what the client left unset. `openAiApi` tells OpenAI's own API
 * from other OpenAI-compatible servers, which differ in two places: their chat templates know
 * no `developer` role (sent as `system`, which OpenAI itself treats alike), and a configured
 * limit goes as `max_tokens` (OpenAI's reasoning models take only `max_completion_tokens`).
 */
export function toOpenAiParams(
  request: ChatRequest,
  model: string,
  defaults: ConnectorDefaults,
  openAiApi = false,
): CreateParams {
  const messages =
    openAiApi || !request.messages.some((m) => m.role === 'developer')
      ? request.messages
      : request.messages.map((m) =>
          m.role === 'developer' ? { ...m, role: 'system' as const } : m,
        );
  const params: Record<string, unknown> = { model, messages };
  for (const key of PASSED) if (request[key] !== undefined) params[key] = request[key];
  if (
    defaults.max_tokens !== undefined &&
    params.max_tokens === undefined &&
    params.max_completion_tokens === undefined
  ) {
    params[openAiApi ? 'max_completion_tokens' : 'max_tokens'] = defaults.max_tokens;
  }
  if (defaults.temperature !== undefined && params.temperature === undefined)
    params.temperature = defaults.temperature;
  if (defaults.top_p !== undefined && params.top_p === undefined) params.top_p = defaults.top_p;
  return params as unknown as CreateParams;
}

export function toUsage(usage: OpenAI.CompletionUsage): Usage {
  const out: Usage = {
    prompt_tokens: usage.prompt_tokens,
    completion_tokens: usage.completion_tokens,
    total_tokens: usage.total_tokens,
  };
  const cached = usage.prompt_tokens_details?.cached_tokens;
  if (typeof cached === 'number') out.prompt_tokens_details = { cached_tokens: cached };
  const reasoning = usage.completion_tokens_details?.reasoning_tokens;
  if (typeof reasoning === 'number')
    out.completion_tokens_details = { reasoning_tokens: reasoning };
  return out;
}

export function toFinishReason(reason: string): FinishReason {
  switch (reason) {
    case 'length':
    case 'tool_calls':
    case 'content_filter':
      return reason;
    case 'function_call':
      return 'tool_calls';
    default:
      return 'stop';
  }
}

/** A complete answer as events, in the order a stream would have given them. */
export function completionEvents(completion: OpenAI.ChatCompletion): ChatEvent[] {
  const events: ChatEvent[] = [];
  const choice = completion.choices[0];
  if (choice?.message) {
    const { content, refusal, tool_calls } = choice.message;
    // The neutral events have no refusal: a refusal is what the model said (its tokens' log
    // probabilities with it).
    if (content) events.push(textEvent(content, choice.logprobs?.content));
    else if (refusal) events.push(textEvent(refusal, choice.logprobs?.refusal));
    tool_calls?.forEach((call, index) => {
      if (call.type === 'function') {
        events.push({
          type: 'tool_call',
          index,
          id: call.id,
          name: call.function.name,
          arguments: call.function.arguments,
        });
      }
    });
  }
  if (completion.usage) events.push({ type: 'usage', usage: toUsage(completion.usage) });
  if (choice?.finish_reason)
    events.push({ type: 'finish', reason: toFinishReason(choice.finish_reason) });
  return events;
}

/** A streamed chunk, or the error object some OpenAI-compatible servers send mid-stream. */
export type StreamData = OpenAI.ChatCompletionChunk & { error?: { message?: string } };

/**
 * Appends the events of one streamed chunk to `out`; returns true when the chunk finished
 * the choice. Only the first choice is read (`n` is not part of the neutral request).
 */
export function chunkEvents(chunk: StreamData, out: ChatEvent[]): boolean {
  const choice = chunk.choices?.[0];
  let finished = false;
  if (choice) {
    const delta = choice.delta;
    if (delta) {
      if (delta.content) out.push(textEvent(delta.content, choice.logprobs?.content));
      else if (delta.refusal) out.push(textEvent(delta.refusal, choice.logprobs?.refusal));
      if (delta.tool_calls) {
        const calls = delta.tool_calls;
        for (let position = 0; position < calls.length; position++) {
          const call = calls[position];
          const event: Extract<ChatEvent, { type: 'tool_call' }> = {
            type: 'tool_call',
            // Some OpenAI-compatible servers (Gemini's) send whole calls without an index.
            index: call.index ?? position,
          };
          if (call.id) event.id = call.id;
          if (call.function?.name) event.name = call.function.name;
          if (call.function?.arguments) event.arguments = call.function.arguments;
          out.push(event);
        }
      }
    }
    if (choice.finish_reason) {
      out.push({ type: 'finish', reason: toFinishReason(choice.finish_reason) });
      finished = true;
    }
  }
  if (chunk.usage) out.push({ type: 'usage', usage: toUsage(chunk.usage) });
  return finished;
}

/** A text event, with its tokens' log probabilities when the upstream sent them. */
function textEvent(
  text: string,
  logprobs: OpenAI.ChatCompletionTokenLogprob[] | null | undefined,
): ChatEvent {
  return logprobs?.length ? { type: 'text', text, logprobs } : { type: 'text', text };
}
