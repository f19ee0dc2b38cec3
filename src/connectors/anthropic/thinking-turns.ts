import { createHash } from 'node:crypto';
import type { LoggerService } from '@nestjs/common';
import type { ChatMessage } from '../../common/chat.types.js';
import type { KeyValueStore } from '../../storage/key-value.store.js';
import type { AssistantTurn } from './anthropic-translation.js';

/** Long enough for a tool that waits on a person; a conversation back later starts a new turn. */
const TTL_MS = 24 * 60 * 60 * 1000;
const MAX_BYTES = 1024 * 1024;

/**
 * Anthropic wants an assistant turn that thought and then called tools back unchanged —
 * its signed thinking blocks included — with the tool results, or refuses the request (400).
 * OpenAI's chat format has no place for thinking, so clients cannot send it back: the
 * connector keeps such turns in the store (shared by replicas), under their first tool
 * call's id, for a day. A turn is only sent back for a message that made the same calls
 * (`toAnthropicParams`): tool call ids are random and only ever shown to the caller they
 * were made for, and even so a kept turn goes to the model, never to a client.
 */
export class ThinkingTurns {
  constructor(
    private readonly store: KeyValueStore,
    private readonly connector: string,
    private readonly logger: LoggerService,
  ) {}

  /** Keeps a turn; a store failure costs only the thinking (the upstream may then refuse). */
  async remember(turn: AssistantTurn): Promise<void> {
    const first = turn.find((block) => block.type === 'tool_use');
    const raw = JSON.stringify(turn);
    if (!first) return;
    if (Buffer.byteLength(raw) > MAX_BYTES) {
      this.logger.warn?.(
        `a thinking turn of ${Buffer.byteLength(raw)} bytes is over ${MAX_BYTES}: not kept (its tool results may be refused)`,
      );
      return;
    }
    try {
      await this.store.set(this.key(first.id), raw, TTL_MS);
    } catch (error) {
      this.logger.warn?.({ err: error }, 'could not keep a thinking turn');
    }
  }

  /**
   * The kept turns of the tool-use loop the request continues (the assistant messages that
   * called tools since the last user message that does not follow tool results — a client
   * may add one after them, e.g. with a tool's image), by first tool call id, read at once.
   * Other requests never touch the store.
   */
  async recall(messages: ChatMessage[]): Promise<Map<string, AssistantTurn>> {
    const ids: string[] = [];
    for (let i = messages.length - 1; i >= 0; i--) {
      const message = messages[i];
      if (message.role === 'user' && !followsToolResults(messages, i)) break;
      const id = message.role === 'assistant' ? message.tool_calls?.[0]?.id : undefined;
      if (id) ids.push(id);
    }
    const kept = new Map<string, AssistantTurn>();
    const failures: unknown[] = [];
    await Promise.all(
      ids.map(async (id) => {
        try {
          const raw = await this.store.get(this.key(id));
          if (raw !== undefined) kept.set(id, JSON.parse(raw) as AssistantTurn);
        } catch (error) {
          failures.push(error);
        }
      }),
    );
    if (failures.length)
      this.logger.warn?.(
        { err: failures[0] },
        `could not read ${failures.length} kept thinking turn(s): sent without their thinking`,
      );
    return kept;
  }

  private key(toolCallId: string): string {
    const digest = createHash('sha256').update(toolCallId).digest('base64url');
    return `anthropic-thinking:${this.connector}:${digest}`;
  }
}

/** Whether the user message at `i` (with the user messages before it) follows tool results. */
function followsToolResults(messages: ChatMessage[], i: number): boolean {
  let j = i - 1;
  while (j >= 0 && messages[j].role === 'user') j--;
  return messages[j]?.role === 'tool';
}
