import { Inject, Injectable } from '@nestjs/common';
import type { ChatMessage } from '../common/chat.types.js';
import type { CallerIdentity, ConversationState } from '../orchestration/orchestration-logic.js';
import { KeyValueStore } from '../storage/key-value.store.js';
import { conversationIdOf } from './conversation-id.js';
import { conversationsConfig, type ConversationsConfig } from './conversations.config.js';

const KEY = /^[\w.:-]{1,128}$/;
/** How many value lifetimes a conversation's generation counter lives. */
const GENERATION_TTLS = 4;

/**
 * Per-conversation state for OLs (C9c), kept in the storage driver — SQLite by default, Redis
 * shared by replicas — as JSON under `conv:<conversation>:<generation>:<key>`, each value living
 * `conversations.ttlSeconds` after it was last set.
 */
@Injectable()
export class ConversationStore {
  constructor(
    private readonly store: KeyValueStore,
    @Inject(conversationsConfig.KEY) private readonly config: ConversationsConfig,
  ) {}

  /**
   * The state of the conversation `messages` continue, for this caller and OL. A request
   * with no assistant message begins a conversation: it starts from empty state even when an
   * earlier conversation began with the same words (each beginning is a new generation).
   */
  open(messages: ChatMessage[], caller: CallerIdentity, logicId: string): ConversationState {
    const id = conversationIdOf(messages, caller, logicId);
    const ttlMs = this.config.ttlSeconds * 1000;
    const { maxValueBytes } = this.config;
    const beginning = !messages.some((m) => m.role === 'assistant');
    let prefix: Promise<string> | undefined;
    const storeKey = async (key: string): Promise<string> => {
      if (!KEY.test(key))
        throw new TypeError(
          `conversation key '${key}': 1 to 128 letters, digits, '_', '.', ':' or '-'`,
        );
      // The generation outlives the values (a fixed window from the first turn).
      prefix ??= this.store
        .increment(`conv-gen:${id}`, beginning ? 1 : 0, ttlMs * GENERATION_TTLS)
        .then((generation) => `conv:${id}:${generation.value}:`);
      return (await prefix) + key;
    };
    return {
      id,
      get: async <T>(key: string): Promise<T | undefined> => {
        const raw = await this.store.get(await storeKey(key));
        return raw === undefined ? undefined : (JSON.parse(raw) as T);
      },
      set: async (key: string, value: unknown): Promise<void> => {
        const raw = JSON.stringify(value);
        if (raw === undefined) throw new TypeError(`conversation key '${key}': not a JSON value`);
        if (Buffer.byteLength(raw) > maxValueBytes)
          throw new RangeError(
            `conversation key '${key}': ${Buffer.byteLength(raw)} bytes of JSON, over conversations.maxValueBytes (${maxValueBytes})`,
          );
        await this.store.set(await storeKey(key), raw, ttlMs);
      },
      delete: async (key: string): Promise<void> => this.store.delete(await storeKey(key)),
    };
  }
}
