import type { Response } from 'express';
import type { ChatEvent, FinishReason, TokenLogprob, Usage } from '../../common/chat.types.js';
import { addUsage, finishReasonOf } from '../completion-events.js';
import type { MappedError } from '../openai-error.js';
import { openSse } from '../sse-sink.js';
import {
  deltaLogprobs,
  endOf,
  functionCallItem,
  messageItem,
  newId,
  outputText,
  responseObject,
  type ItemStatus,
  type ResponseMeta,
} from './response-object.js';
import { responseErrorOf } from './response-error.js';

export interface ResponsesSseOptions {
  /** Aborted when the client went away: stop writing, do not report. */
  signal: AbortSignal;
  /** Turns a mid-stream failure into what the `response.failed` event says. */
  mapError: (error: unknown) => MappedError;
  onError: (error: unknown) => void;
  /** Called once with the usage reported so far, also when the stream failed or was aborted. */
  onUsage: (usage: Usage | undefined) => void;
  /** Called with the finished (completed or incomplete) Response before the client is told. */
  onFinished: (response: Record<string, unknown>) => Promise<void>;
}

interface OpenMessage {
  id: string;
  index: number;
  text: string;
  logprobs: TokenLogprob[];
}

interface OpenCall {
  id: string;
  index: number;
  callId: string;
  name: string;
  arguments: string;
}

/**
 * Streams OL events as Responses API events, each numbered (`sequence_number`): created and
 * in_progress, then per output item its added / delta / done events, then completed (or
 * incomplete). Nothing is written until the first OL event exists, so an early failure is
 * still a plain JSON error with its status; after that, a failure ends the stream with
 * `response.failed`. Events are written as they arrive (see `openSse`).
 */
export async function writeResponsesSse(
  res: Response,
  events: AsyncIterable<ChatEvent>,
  meta: ResponseMeta,
  options: ResponsesSseOptions,
): Promise<void> {
  const iterator = events[Symbol.asyncIterator]();
  let next = await iterator.next();

  const sink = openSse(res, options.signal);
  let sequence = 0;
  const emit = (type: string, fields: Record<string, unknown>): Promise<void> =>
    sink.write(
      `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence++, ...fields })}\n\n`,
    );
  /** Items by output index: final once done, a snapshot while open. */
  const output: Record<string, unknown>[] = [];
  let message: OpenMessage | undefined;
  // Open function calls by the OL's tool-call index.
  const calls = new Map<number, OpenCall>();
  let sawToolCalls = false;
  let usage: Usage | undefined;
  let finish: FinishReason | undefined;

  const openMessage = async (): Promise<OpenMessage> => {
    const opened = { id: newId('msg'), index: output.length, text: '', logprobs: [] };
    output.push(messageItem(opened.id, 'in_progress', []));
    await emit('response.output_item.added', {
      output_index: opened.index,
      item: output[opened.index],
    });
    await emit('response.content_part.added', {
      item_id: opened.id,
      output_index: opened.index,
      content_index: 0,
      part: outputText(''),
    });
    return opened;
  };
  const closeMessage = async (status: ItemStatus): Promise<void> => {
    if (!message) return;
    const { id, index, text, logprobs } = message;
    message = undefined;
    const part = outputText(text, logprobs);
    const at = { item_id: id, output_index: index, content_index: 0 };
    await emit('response.output_text.done', { ...at, text, logprobs: deltaLogprobs(logprobs) });
    await emit('response.content_part.done', { ...at, part });
    output[index] = messageItem(id, status, [part]);
    await emit('response.output_item.done', { output_index: index, item: output[index] });
  };
  const closeCalls = async (status: ItemStatus): Promise<void> => {
    for (const call of calls.values()) {
      const at = { item_id: call.id, output_index: call.index };
      await emit('response.function_call_arguments.done', {
        ...at,
        name: call.name,
        arguments: call.arguments,
      });
      output[call.index] = callItem(call, status);
      await emit('response.output_item.done', {
        output_index: call.index,
        item: output[call.index],
      });
    }
    calls.clear();
  };

  try {
    await emit('response.created', {
      response: responseObject(meta, { status: 'in_progress', output: [] }),
    });
    await emit('response.in_progress', {
      response: responseObject(meta, { status: 'in_progress', output: [] }),
    });
    for (; !next.done; next = await iterator.next()) {
      if (options.signal.aborted) return;
      const event = next.value;
      switch (event.type) {
        case 'text':
          if (!event.text) break;
          await closeCalls('completed');
          message ??= await openMessage();
          message.text += event.text;
          if (event.logprobs) for (const token of event.logprobs) message.logprobs.push(token);
          await emit('response.output_text.delta', {
            item_id: message.id,
            output_index: message.index,
            content_index: 0,
            delta: event.text,
            logprobs: deltaLogprobs(event.logprobs),
          });
          break;
        case 'tool_call': {
          sawToolCalls = true;
          await closeMessage('completed');
          let call = calls.get(event.index);
          if (!call) {
            call = {
              id: newId('fc'),
              index: output.length,
              callId: event.id ?? newId('call'),
              name: event.name ?? '',
              arguments: '',
            };
            calls.set(event.index, call);
            output.push(callItem(call, 'in_progress'));
            await emit('response.output_item.added', {
              output_index: call.index,
              item: output[call.index],
            });
          } else if (event.name) call.name = event.name;
          if (event.arguments) {
            call.arguments += event.arguments;
            await emit('response.function_call_arguments.delta', {
              item_id: call.id,
              output_index: call.index,
              delta: event.arguments,
            });
          }
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
    const end = endOf(finishReasonOf(finish, sawToolCalls));
    const itemStatus = end.status === 'completed' ? 'completed' : 'incomplete';
    // An answer with no output at all is still one (empty) message, as unstreamed.
    if (!output.length) message = await openMessage();
    await closeMessage(itemStatus);
    await closeCalls(itemStatus);
    const response = responseObject(meta, { ...end, output, usage });
    await options.onFinished(response);
    await emit(`response.${end.status}`, { response });
  } catch (error) {
    if (options.signal.aborted) return;
    options.onError(error);
    // Items still open end where the failure cut them.
    if (message) {
      const part = outputText(message.text, message.logprobs);
      output[message.index] = messageItem(message.id, 'incomplete', [part]);
    }
    for (const call of calls.values()) output[call.index] = callItem(call, 'incomplete');
    const response = responseObject(meta, {
      status: 'failed',
      output,
      usage,
      error: responseErrorOf(options.mapError(error)),
    });
    await emit('response.failed', { response });
  } finally {
    // Tokens spent before a failure or a disconnect count too (rate limits, usage).
    options.onUsage(usage);
    sink.end();
    if (!next.done) await iterator.return?.().catch(() => undefined);
  }
}

function callItem(call: OpenCall, status: ItemStatus): Record<string, unknown> {
  return functionCallItem(call.id, status, {
    id: call.callId,
    name: call.name,
    arguments: call.arguments,
  });
}
