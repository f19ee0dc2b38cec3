import { Inject, Injectable } from '@nestjs/common';
import {
  conversationsConfig,
  type ConversationsConfig,
} from '../../session/conversations.config.js';
import { KeyValueStore } from '../../storage/key-value.store.js';
import { ProtocolError, ProtocolErrorCode } from '../protocol.error.js';

/** A stored response: the Response object and the input items it answered (earlier turns included). */
export interface StoredResponse {
  response: Record<string, unknown> & { id: string; output: unknown[] };
  input: unknown[];
}

const ID = /^resp_[0-9a-f]{32}$/;

/**
 * Responses kept for `previous_response_id`, `GET` and `DELETE`, in the storage driver
 * (shared by replicas) for `conversations.ttlSeconds`, under the calling user: another
 * user's id is not found, exactly like an id that never existed.
 */
@Injectable()
export class ResponseStore {
  constructor(
    private readonly store: KeyValueStore,
    @Inject(conversationsConfig.KEY) private readonly config: ConversationsConfig,
  ) {}

  async save(userId: string, stored: StoredResponse): Promise<void> {
    const key = keyOf(userId, stored.response.id);
    await this.store.set(key, JSON.stringify(stored), this.config.ttlSeconds * 1000);
  }

  /** The caller's stored response, or a 404 naming `param`. */
  async load(userId: string, id: string, param: string | null = null): Promise<StoredResponse> {
    const raw = ID.test(id) ? await this.store.get(keyOf(userId, id)) : undefined;
    if (raw === undefined) throw notFound(id, param);
    return JSON.parse(raw) as StoredResponse;
  }

  async delete(userId: string, id: string): Promise<void> {
    await this.load(userId, id);
    await this.store.delete(keyOf(userId, id));
  }
}

function keyOf(userId: string, id: string): string {
  return `resp:${encodeURIComponent(userId)}:${id}`;
}

function notFound(id: string, param: string | null): ProtocolError {
  const shown = id.length > 64 ? `${id.slice(0, 63)}…` : id;
  return new ProtocolError(
    ProtocolErrorCode.RESPONSE_NOT_FOUND,
    `Response with id '${shown}' not found.`,
    param,
  );
}
