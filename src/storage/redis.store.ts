import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { KeyValueStore, type CounterState, type FieldIncrements } from './key-value.store.js';
import { StorageError, StorageErrorCode } from './storage.error.js';

/** INCRBY and the window's expiry in one atomic step: replicas never see a counter without TTL. */
const INCREMENT_WINDOW = `
local value = redis.call('INCRBY', KEYS[1], ARGV[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  ttl = tonumber(ARGV[2])
end
return {value, ttl}`;

/**
 * A write of named counters, applied at most once per id and all or nothing. KEYS[1] is the
 * write's id, KEYS[2..] the counters' keys; ARGV: the keys' ttl, the id's ttl, then for each
 * key its number of counters and their names and increments. Every key's type is checked
 * before anything is written (a script is not rolled back when a command in it fails).
 */
const INCREMENT_FIELDS_ONCE = `
for i = 2, #KEYS do
  local kind = redis.call('TYPE', KEYS[i]).ok
  if kind ~= 'hash' and kind ~= 'none' then
    return redis.error_reply('WRONGTYPE ' .. KEYS[i] .. ' holds a ' .. kind .. ', not counters')
  end
end
if not redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[2]) then return 0 end
local arg = 3
for i = 2, #KEYS do
  local count = tonumber(ARGV[arg])
  for j = 1, count do
    redis.call('HINCRBY', KEYS[i], ARGV[arg + 2 * j - 1], ARGV[arg + 2 * j])
  end
  arg = arg + 2 * count + 1
  redis.call('PEXPIRE', KEYS[i], ARGV[1])
end
return 1`;

/**
 * How long a write's id is remembered: a write sent again later than this (its first try
 * applied, its reply lost, and the store failing ever since) would be applied twice.
 */
const WRITE_ID_TTL_MS = 3_600_000;

const DISCONNECT_TIMEOUT_MS = 200;

type WithScripts = Redis & {
  incrementWindow(key: string, by: number, ttlMs: number): Promise<[number, number]>;
  /** The number of keys first, as ioredis takes it for a script of no fixed key count. */
  incrementFieldsOnce(keyCount: number, ...keysThenArgs: Array<string | number>): Promise<number>;
};

export interface RedisStoreOptions {
  url: string;
  /** Overrides a password in `url`. */
  password?: string;
  keyPrefix: string;
  commandTimeoutMs: number;
}

/** State shared by every replica that points at the same Redis (and key prefix). */
export class RedisStore extends KeyValueStore implements OnApplicationShutdown {
  private readonly logger = new Logger(RedisStore.name);
  private readonly redis: WithScripts;
  private down = false;

  constructor(options: RedisStoreOptions) {
    super();
    const { url, credentials } = withCredentials(options.url, options.password);
    this.redis = new Redis(url, {
      ...credentials,
      keyPrefix: options.keyPrefix,
      commandTimeout: options.commandTimeoutMs,
      // Fail a command fast while Redis is away instead of queueing requests behind it.
      maxRetriesPerRequest: 1,
      lazyConnect: false,
      // disconnect() arms a timer to destroy a half-closed socket; on a socket that already
      // closed (shutting down while Redis is away) it just runs out, holding the process open.
      disconnectTimeout: DISCONNECT_TIMEOUT_MS,
    }) as WithScripts;
    this.redis.defineCommand('incrementWindow', { numberOfKeys: 1, lua: INCREMENT_WINDOW });
    this.redis.defineCommand('incrementFieldsOnce', { lua: INCREMENT_FIELDS_ONCE });
    // ioredis reconnects by itself; log the transitions, not every retry.
    this.redis.on('error', (error: Error) => {
      if (this.down) return;
      this.down = true;
      this.logger.error(`Redis unavailable (${describe(error)}); retrying`);
    });
    this.redis.on('ready', () => {
      if (!this.down) return;
      this.down = false;
      this.logger.log('Redis available again');
    });
  }

  async get(key: string): Promise<string | undefined> {
    return (await this.run(() => this.redis.get(key))) ?? undefined;
  }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    await this.run(() =>
      ttlMs === undefined ? this.redis.set(key, value) : this.redis.set(key, value, 'PX', ttlMs),
    );
  }

  async delete(key: string): Promise<void> {
    await this.run(() => this.redis.del(key));
  }

  async increment(key: string, by: number, ttlMs: number): Promise<CounterState> {
    const [value, ttl] = await this.run(() => this.redis.incrementWindow(key, by, ttlMs));
    return { value: Number(value), ttlMs: Number(ttl) };
  }

  /**
   * One script: the id is set (`<prefix>applied:<id>`, unless already there: then nothing
   * is done), then the HINCRBYs and a PEXPIRE per key. A command that timed out here may
   * still run in Redis; the caller sends it again with the same id, which then does nothing.
   */
  async incrementFields(
    increments: FieldIncrements,
    ttlMs: number,
    writeId: string,
  ): Promise<void> {
    const keys = [`applied:${writeId}`];
    const args: Array<string | number> = [Math.trunc(ttlMs), WRITE_ID_TTL_MS];
    for (const [key, fields] of increments) {
      keys.push(key);
      args.push(fields.size);
      for (const [field, by] of fields) args.push(field, by);
    }
    await this.run(() => this.redis.incrementFieldsOnce(keys.length, ...keys, ...args));
  }

  async getFields(key: string): Promise<Map<string, number>> {
    const fields = await this.run(() => this.redis.hgetall(key));
    return new Map(Object.entries(fields).map(([field, value]) => [field, Number(value)]));
  }

  async onApplicationShutdown(): Promise<void> {
    // QUIT lets pending replies arrive; while reconnecting there are none to wait for.
    if (this.redis.status === 'ready') await this.redis.quit().catch(() => this.redis.disconnect());
    else this.redis.disconnect();
  }

  private async run<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (error) {
      throw new StorageError(
        StorageErrorCode.UNAVAILABLE,
        `Redis command failed: ${describe(error)}`,
        null,
        {
          cause: error,
        },
      );
    }
  }
}

/**
 * Moves the credentials out of the URL when a password is given apart: ioredis lets the URL's
 * (an empty password, with a user name alone) win over its options.
 */
function withCredentials(
  url: string,
  password: string | undefined,
): { url: string; credentials: { username?: string; password?: string } } {
  if (password === undefined) return { url, credentials: {} };
  const parsed = new URL(url);
  const username = decodeURIComponent(parsed.username);
  parsed.username = '';
  parsed.password = '';
  return { url: parsed.href, credentials: { ...(username ? { username } : {}), password } };
}

/** The error's kind and message; a Redis URL (which may hold a password) is never logged. */
function describe(error: unknown): string {
  // Duck-typed: socket errors come from another realm under test runners (instanceof fails).
  const { name, message, code } = (error ?? {}) as {
    name?: unknown;
    message?: unknown;
    code?: unknown;
  };
  const text = [name, code, message].filter((part) => typeof part === 'string' && part).join(': ');
  return text.replace(/rediss?:\/\/\S+/g, 'redis://…') || 'unknown error';
}
