import { Injectable } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import { KeyValueStore } from '../storage/key-value.store.js';

/**
 * @nestjs/throttler's storage on our KeyValueStore (SQLite, memory, or Redis shared by replicas):
 * one atomic fixed-window counter per key. A caller over the limit stays blocked until the
 * window ends, so `blockDuration` is the window (our limits do not configure another).
 */
@Injectable()
export class StoreThrottlerStorage implements ThrottlerStorage {
  constructor(private readonly store: KeyValueStore) {}

  async increment(
    key: string,
    ttl: number,
    limit: number,
  ): Promise<{
    totalHits: number;
    timeToExpire: number;
    isBlocked: boolean;
    timeToBlockExpire: number;
  }> {
    const { value, ttlMs } = await this.store.increment(`rl:${key}`, 1, ttl);
    const seconds = Math.max(1, Math.ceil(ttlMs / 1000));
    const isBlocked = value > limit;
    return {
      totalHits: value,
      timeToExpire: seconds,
      isBlocked,
      timeToBlockExpire: isBlocked ? seconds : 0,
    };
  }
}
