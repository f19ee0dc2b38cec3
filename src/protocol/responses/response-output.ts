import type { ChatEvent, FinishReason, TokenLogprob, Usage } from '../../common/chat.types.js';
import { addUsage, finishReasonOf } from '../completion-events.js';
import {
  deltaLogprobs,
  endOf,
  functionCallItem,
  messageItem,
  newId,
  outputText,
  type ItemStatus,
  type ResponseState,
} from './response-object.js';

/** Writes one Responses stream event (numbering is the writer's); unstreamed, nothing. */
export type EmitEvent = (type: string, fields: Record<string, unknown>) => Promise<void>;

interface OpenMessage {
  id: string;
  index: number;
  text: string;
  logprobs: TokenLogprob[];
  /** Some of its text came without tokens: its logprobs would not cover it, so it has none. */
  unscored: boolean;
}

interface OpenCall {
  id: string;
  index: number;
  callId: string;
  name: string;
  arguments: string;
}

/**
 * The one builder of a Response's `output` from OL events, streamed or not, so both give the
 * same items: each run of text is a `message`, each tool call a `function_call` (text after a
 * call opens a new message), in the order they came. A call's name and arguments fragments
 * concatenate (as chat completions assemble them); a call the upstream gave no id gets a
 * `call_…` one, which the client sends back with its output. `emit` hears each item's
 * added / delta / done events as they happen.
 */
export class ResponseOutput {
  /** Items by output index: final once done, a snapshot while open. */
  readonly items: Record<string, unknown>[] = [];
  usage: Usage | undefined;
  private message: OpenMessage | undefined;
  /** Open function calls by the OL's tool-call index. */
  private readonly calls = new Map<number, OpenCall>();
  private sawToolCalls = false;
  private finish: FinishReason | undefined;

  constructor(
    /** Whether the client asked for logprobs (`include`): only then are tokens kept. */
    private readonly logprobs: boolean,
    private readonly emit: EmitEvent = () => Promise.resolve(),
  ) {}

  async add(event: ChatEvent): Promise<void> {
    switch (event.type) {
      case 'text':
        if (event.text) await this.text(event.text, event.logprobs);
        break;
      case 'tool_call':
        await this.toolCall(event);
        break;
      case 'usage':
        this.usage = addUsage(this.usage, event.usage);
        break;
      case 'finish':
        this.finish = event.reason;
        break;
    }
  }

  /** Closes the open items as the answer ended; an answer with no output is one empty message. */
  async end(): Promise<Omit<ResponseState, 'output'> & { status: 'completed' | 'incomplete' }> {
    const end = endOf(finishReasonOf(this.finish, this.sawToolCalls));
    const status = end.status === 'completed' ? 'completed' : 'incomplete';
    if (!this.items.length) this.message = await this.openMessage();
    await this.closeMessage(status);
    await this.closeCalls(status);
    return { ...end, usage: this.usage };
  }

  /** After a failure: items still open end where it cut them (no events: the stream fails). */
  cut(): void {
    if (this.message) this.items[this.message.index] = this.messageOf(this.message, 'incomplete');
    for (const call of this.calls.values()) this.items[call.index] = callItem(call, 'incomplete');
  }

  private async text(text: string, tokens: TokenLogprob[] | undefined): Promise<void> {
    await this.closeCalls('completed');
    const message = (this.message ??= await this.openMessage());
    message.text += text;
    const kept = this.logprobs ? tokens : undefined;
    if (kept) for (const token of kept) message.logprobs.push(token);
    else message.unscored = true;
    await this.emit('response.output_text.delta', {
      item_id: message.id,
      output_index: message.index,
      content_index: 0,
      delta: text,
      logprobs: deltaLogprobs(kept),
    });
  }

  private async toolCall(event: Extract<ChatEvent, { type: 'tool_call' }>): Promise<void> {
    this.sawToolCalls = true;
    await this.closeMessage('completed');
    let call = this.calls.get(event.index);
    if (!call) {
      call = {
        id: newId('fc'),
        index: this.items.length,
        callId: event.id || newId('call'),
        name: event.name ?? '',
        arguments: '',
      };
      this.calls.set(event.index, call);
      this.items.push(callItem(call, 'in_progress'));
      await this.emit('response.output_item.added', {
        output_index: call.index,
        item: this.items[call.index],
      });
    } else {
      if (event.id) call.callId = event.id;
      if (event.name) call.name += event.name;
    }
    if (event.arguments) {
      call.arguments += event.arguments;
      await this.emit('response.function_call_arguments.delta', {
        item_id: call.id,
        output_index: call.index,
        delta: event.arguments,
      });
    }
  }

  private async openMessage(): Promise<OpenMessage> {
    const message: OpenMessage = {
      id: newId('msg'),
      index: this.items.length,
      text: '',
      logprobs: [],
      unscored: false,
    };
    this.items.push(messageItem(message.id, 'in_progress', []));
    await this.emit('response.output_item.added', {
      output_index: message.index,
      item: this.items[message.index],
    });
    await this.emit('response.content_part.added', {
      item_id: message.id,
      output_index: message.index,
      content_index: 0,
      part: outputText(''),
    });
    return message;
  }

  private async closeMessage(status: ItemStatus): Promise<void> {
    const message = this.message;
    if (!message) return;
    this.message = undefined;
    const item = this.messageOf(message, status);
    const part = (item.content as unknown[])[0];
    const at = { item_id: message.id, output_index: message.index, content_index: 0 };
    const tokens = message.unscored ? [] : message.logprobs;
    await this.emit('response.output_text.done', {
      ...at,
      text: message.text,
      logprobs: deltaLogprobs(tokens),
    });
    await this.emit('response.content_part.done', { ...at, part });
    this.items[message.index] = item;
    await this.emit('response.output_item.done', { output_index: message.index, item });
  }

  private async closeCalls(status: ItemStatus): Promise<void> {
    for (const call of this.calls.values()) {
      await this.emit('response.function_call_arguments.done', {
        item_id: call.id,
        output_index: call.index,
        name: call.name,
        arguments: call.arguments,
      });
      this.items[call.index] = callItem(call, status);
      await this.emit('response.output_item.done', {
        output_index: call.index,
        item: this.items[call.index],
      });
    }
    this.calls.clear();
  }

  private messageOf(message: OpenMessage, status: ItemStatus): Record<string, unknown> {
    const tokens = message.unscored ? [] : message.logprobs;
    return messageItem(message.id, status, [outputText(message.text, tokens)]);
  }
}

function callItem(call: OpenCall, status: ItemStatus): Record<string, unknown> {
  return functionCallItem(call.id, status, {
    id: call.callId,
    name: call.name,
    arguments: call.arguments,
  });
}
