import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  conversationsConfig,
  type ConversationsConfig,
} from '../../session/conversations.config.js';
import { KeyValueStore } from '../../storage/key-value.store.js';
import { ProtocolError, ProtocolErrorCode } from '../protocol.error.js';
import { responsesConfig, type ResponsesConfig } from './responses.config.js';

/**
 * A stored response: the Response object and the input items it answered, each with an `id`
 * (earlier turns of its chain included: their input and output items).
 */
export interface StoredResponse {
  response: Record<string, unknown> & { id: string; output: unknown[] };
  input: Record<string, unknown>[];
}

const ID = /^resp_[0-9a-f]{32}$/;

/**
 * Responses kept for `previous_response_id`, `GET` and `DELETE`, in the storage driver
 * (shared by replicas) for `conversations.ttlSeconds`, under the calling user: another
 * user's id is not found, exactly like an id that never existed. One over
 * `responses.maxStoredBytes` is not kept: the storage driver holds every user's responses.
 */
@Injectable()
export class ResponseStore {
  private readonly logger = new Logger('Responses');

  constructor(
    private readonly store: KeyValueStore,
    @Inject(conversationsConfig.KEY) private readonly config: ConversationsConfig,
    @Inject(responsesConfig.KEY) private readonly limits: ResponsesConfig,
  ) {}

  /**
   * Keeps `stored`; one too large, or a failing storage driver, is not kept: the log says why
   * and it returns false, so the answer already produced still reaches the client.
   */
  async save(userId: string, stored: StoredResponse): Promise<boolean> {
    const json = JSON.stringify(stored);
    const bytes = Buffer.byteLength(json);
    if (bytes > this.limits.maxStoredBytes) {
      this.logger.warn(
        { responseId: stored.response.id, bytes, maxStoredBytes: this.limits.maxStoredBytes },
        'response not stored: larger than responses.maxStoredBytes',
      );
      return false;
    }
    try {
      await this.store.set(keyOf(userId, stored.response.id), json, this.config.ttlSeconds * 1000);
    } catch (error) {
      this.logger.warn(
        { err: error, responseId: stored.response.id },
        'response not stored: the storage driver failed',
      );
      return false;
    }
    return true;
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
