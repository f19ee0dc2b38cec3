import { Inject, Injectable } from '@nestjs/common';
import type { ChatMessage } from '../common/chat.types.js';
import type { CallerIdentity, ConversationState } from '../orchestration/orchestration-logic.js';
import { KeyValueStore } from '../storage/key-value.store.js';
import { conversationIdOf, conversationOwnerOf } from './conversation-id.js';
import { conversationsConfig, type ConversationsConfig } from './conversations.config.js';

const KEY = /^[\w.:-]{1,128}$/;

/**
 * Per-conversation state for OLs (C9c), kept in the storage driver — SQLite by default, Redis
 * shared by replicas — as JSON under `conv:<owner>:<conversation>:<key>`, each value living
 * `conversations.ttlSeconds` after it was last set.
 */
@Injectable()
export class ConversationStore {
  constructor(
    private readonly store: KeyValueStore,
    @Inject(conversationsConfig.KEY) private readonly config: ConversationsConfig,
  ) {}

  /** The state of the conversation `messages` continue, for this caller. */
  open(messages: ChatMessage[], caller: CallerIdentity): ConversationState {
    const id = conversationIdOf(messages, caller);
    const prefix = `conv:${conversationOwnerOf(caller)}:${id}:`;
    const ttlMs = this.config.ttlSeconds * 1000;
    const { maxValueBytes } = this.config;
    const storeKey = (key: string): string => {
      if (!KEY.test(key))
        throw new TypeError(
          `conversation key '${key}': 1 to 128 letters, digits, '_', '.', ':' or '-'`,
        );
      return prefix + key;
    };
    return {
      id,
      get: async <T>(key: string): Promise<T | undefined> => {
        const raw = await this.store.get(storeKey(key));
        return raw === undefined ? undefined : (JSON.parse(raw) as T);
      },
      set: async (key: string, value: unknown): Promise<void> => {
        const raw = JSON.stringify(value);
        if (raw === undefined) throw new TypeError(`conversation key '${key}': not a JSON value`);
        if (Buffer.byteLength(raw) > maxValueBytes)
          throw new RangeError(
            `conversation key '${key}': ${Buffer.byteLength(raw)} bytes of JSON, over conversations.maxValueBytes (${maxValueBytes})`,
          );
        await this.store.set(storeKey(key), raw, ttlMs);
      },
      delete: (key: string) => this.store.delete(storeKey(key)),
    };
  }
}
