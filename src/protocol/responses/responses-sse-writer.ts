import type { Response } from 'express';
import type { ChatEvent, Usage } from '../../common/chat.types.js';
import type { MappedError } from '../openai-error.js';
import { startStream, type StreamStart } from '../sse-sink.js';
import { responseErrorOf } from './response-error.js';
import { responseObject, type ResponseMeta } from './response-object.js';
import { ResponseOutput } from './response-output.js';

export interface ResponsesSseOptions extends StreamStart {
  /** Whether the client asked for logprobs (`include`). */
  logprobs: boolean;
  /** Turns a mid-stream failure into what the `response.failed` event says. */
  mapError: (error: unknown) => MappedError;
  onError: (error: unknown) => void;
  /** Called once with the usage reported so far, also when the stream failed or was aborted. */
  onUsage: (usage: Usage | undefined) => void;
  /** Called with the finished (completed or incomplete) Response before the client is told. */
  onFinished: (response: Record<string, unknown>) => Promise<void>;
}

/**
 * Streams OL events as Responses API events, each numbered (`sequence_number`): created and
 * in_progress, then per output item its added / delta / done events (`ResponseOutput`), then
 * completed (or incomplete). Nothing is written until the first OL event exists (or the
 * heartbeat opens the stream, see `startStream`), so an early failure is still a plain JSON
 * error with its status; after that, a failure ends the stream with `response.failed`.
 * Events are written as they arrive (see `openSse`).
 */
export async function writeResponsesSse(
  res: Response,
  events: AsyncIterable<ChatEvent>,
  meta: ResponseMeta,
  options: ResponsesSseOptions,
): Promise<void> {
  const iterator = events[Symbol.asyncIterator]();
  const { sink, first } = await startStream(res, iterator, options);
  let sequence = 0;
  const emit = (type: string, fields: Record<string, unknown>): Promise<void> =>
    sink.write(
      `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence++, ...fields })}\n\n`,
    );
  const output = new ResponseOutput(options.logprobs, emit);
  let next: IteratorResult<ChatEvent> | undefined;
  try {
    await emit('response.created', {
      response: responseObject(meta, { status: 'in_progress', output: [] }),
    });
    await emit('response.in_progress', {
      response: responseObject(meta, { status: 'in_progress', output: [] }),
    });
    for (next = await first; !next.done; next = await iterator.next()) {
      if (options.signal.aborted) return;
      await output.add(next.value);
    }
    const end = await output.end();
    const response = responseObject(meta, { ...end, output: output.items });
    await options.onFinished(response);
    await emit(`response.${end.status}`, { response });
  } catch (error) {
    if (options.signal.aborted) return;
    options.onError(error);
    output.cut();
    const response = responseObject(meta, {
      status: 'failed',
      output: output.items,
      usage: output.usage,
      error: responseErrorOf(options.mapError(error)),
    });
    await emit('response.failed', { response });
  } finally {
    // Tokens spent before a failure or a disconnect count too (rate limits, usage).
    options.onUsage(output.usage);
    sink.end();
    if (!next?.done) await iterator.return?.().catch(() => undefined);
  }
}
