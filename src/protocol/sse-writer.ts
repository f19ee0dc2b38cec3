import type { Response } from 'express';
import type { ChatEvent, FinishReason, TokenLogprob, Usage } from '../common/chat.types.js';
import { addUsage, finishReasonOf } from './completion-events.js';
import type { CompletionMeta } from './completion-meta.js';
import type { MappedError } from './openai-error.js';
import { startStream, type StreamStart } from './sse-sink.js';

const DONE = 'data: [DONE]\n\n';

export interface SseOptions extends StreamStart {
  includeUsage: boolean;
  /** Turns a mid-stream failure into the error event's body. */
  mapError: (error: unknown) => MappedError;
  onError: (error: unknown) => void;
  /** Called once with the usage reported so far, also when the stream failed or was aborted. */
  onUsage: (usage: Usage | undefined) => void;
}

/**
 * Streams OL events as OpenAI `chat.completion.chunk` SSE events. Nothing is written until
 * the first event exists (or the heartbeat opens the stream, see `startStream`), so an early
 * failure is still a plain JSON error with its status; after that, a failure ends the stream with an error event and `[DONE]`. Each chunk is
 * written as it arrives (no buffering, see `openSse`) and costs one serialization of its delta.
 */
export async function writeSse(
  res: Response,
  events: AsyncIterable<ChatEvent>,
  meta: CompletionMeta,
  options: SseOptions,
): Promise<void> {
  const iterator = events[Symbol.asyncIterator]();
  const { sink, first } = await startStream(res, iterator, options);
  const usageField = options.includeUsage ? ',"usage":null' : '';
  const base =
    `data: {"id":"${meta.id}","object":"chat.completion.chunk","created":${meta.created},` +
    `"model":${JSON.stringify(meta.model)},`;
  const head = `${base}"choices":[{"index":0,"delta":`;
  const chunk = (
    delta: string,
    finish: FinishReason | null = null,
    logprobs?: TokenLogprob[],
  ): string =>
    `${head}${delta},"logprobs":${logprobs ? logprobsField(logprobs) : 'null'},` +
    `"finish_reason":${finish ? `"${finish}"` : 'null'}}]${usageField}}\n\n`;

  let roleSent = false;
  let sawToolCalls = false;
  let usage: Usage | undefined;
  let finish: FinishReason | undefined;
  const role = (): string => (roleSent ? '' : ((roleSent = true), '"role":"assistant",'));
  let next: IteratorResult<ChatEvent> | undefined;
  try {
    for (next = await first; !next.done; next = await iterator.next()) {
      if (options.signal.aborted) return;
      const event = next.value;
      switch (event.type) {
        case 'text':
          if (event.text) {
            const delta = `{${role()}"content":${JSON.stringify(event.text)}}`;
            await sink.write(chunk(delta, null, event.logprobs));
          }
          break;
        case 'tool_call': {
          sawToolCalls = true;
          const call: Record<string, unknown> = { index: event.index };
          if (event.id) {
            call.id = event.id;
            call.type = 'function';
          }
          const fn: Record<string, string> = {};
          if (event.name !== undefined) fn.name = event.name;
          if (event.arguments !== undefined) fn.arguments = event.arguments;
          call.function = fn;
          await sink.write(chunk(`{${role()}"tool_calls":[${JSON.stringify(call)}]}`));
          break;
        }
        case 'usage':
          usage = addUsage(usage, event.usage);
          break;
        case 'finish':
          finish = event.reason;
          break;
      }
    }
    await sink.write(
      chunk(
        roleSent ? '{}' : '{"role":"assistant","content":""}',
        finishReasonOf(finish, sawToolCalls),
      ),
    );
    if (options.includeUsage && usage) {
      await sink.write(`${base}"choices":[],"usage":${JSON.stringify(usage)}}\n\n`);
    }
    await sink.write(DONE);
  } catch (error) {
    if (options.signal.aborted) return;
    options.onError(error);
    await sink.write(`data: ${JSON.stringify(options.mapError(error).body)}\n\n${DONE}`);
  } finally {
    // Tokens spent before a failure or a disconnect count too (rate limits, usage).
    options.onUsage(usage);
    sink.end();
    if (!next?.done) await iterator.return?.().catch(() => undefined);
  }
}

/** A choice's `logprobs`: the tokens of its content (refusals are text here). */
function logprobsField(content: TokenLogprob[]): string {
  return `{"content":${JSON.stringify(content)},"refusal":null}`;
}
