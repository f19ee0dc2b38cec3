import { createHash, randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { Request } from 'express';
import type { Usage } from '../common/chat.types.js';
import { getCaller } from '../common/request-caller.js';
import { UsageRecorder, type RecordedCall } from '../common/usage-recorder.js';
import { KeyValueStore } from '../storage/key-value.store.js';
import { usageConfig, type UsageConfig } from './usage.config.js';

const DAY_MS = 86_400_000;
/** Longer end user ids are counted under their SHA-256 digest, `sha256:<hex>`. */
const MAX_END_USER_LENGTH = 256;
/** The end user under which a user's end users past `usage.maxEndUsersPerUser` are summed. */
export const OTHER_END_USERS = '~other';
/** Calls dropped for want of room are logged at most this often (and at shutdown). */
const DROP_LOG_MS = 60_000;
/** A day's key, as opposed to a user's per-end-user key (which repeats the same calls). */
const DAY_KEY = /^usage:\d{4}-\d{2}-\d{2}$/;

/** One user's use of one OL over one UTC day. */
export interface UsageRow {
  userId: string;
  logicId: string;
  requests: number;
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
}

type Amount = Exclude<keyof UsageRow, 'userId' | 'logicId'>;

/** The first part of a counter's name in the store, and the amount it holds. */
const METRICS = new Map<string, Amount>([
  ['requests', 'requests'],
  ['input', 'inputTokens'],
  ['output', 'outputTokens'],
  ['cached', 'cachedInputTokens'],
]);

/** Store key → counter name → amount. */
type Counters = Map<string, Map<string, number>>;

/** Counters sent to the store in one write, under one id (sent again with it on failure). */
interface Batch {
  id: string;
  counters: Counters;
  /** How many counters: what it holds of `usage.maxPendingCounters`. */
  size: number;
}

/**
 * The usage ledger (C9a): requests and tokens per UTC day (the day a call ended), user and
 * OL, kept in the store for `usage.retentionDays`. Calls are summed in memory, so recording
 * costs a few map updates; the sums are written every `usage.flushMs` and at shutdown — a
 * crash loses at most that interval.
 *
 * Layout: `usage:<YYYY-MM-DD>` holds counters `<metric>:<OL id>:<user>`; with
 * `usage.perEndUser`, a user's calls that named an end user are also split by end user under
 * `usage:<YYYY-MM-DD>:<user>`, as `<metric>:<OL id>:<end user>`. OL ids hold no `:`, so the
 * name after the second one is whole.
 *
 * A write the store refused is kept whole and sent again, with its id, before anything else:
 * a Redis write that timed out but was applied is not applied twice (see KeyValueStore).
 */
@Injectable()
export class UsageLedger extends UsageRecorder implements OnApplicationShutdown {
  private readonly logger = new Logger('Usage');
  /** Sums not sent yet. */
  private pending: Counters = new Map();
  private pendingSize = 0;
  /** The write the store refused last: sent again before `pending`. */
  private failed: Batch | undefined;
  /** The write running, if any: a timer tick finding one skips its turn. */
  private writing: Promise<void> | undefined;
  /** The one write that runs after `writing`, shared by every `flush()` that asks meanwhile. */
  private queued: Promise<void> | undefined;
  private failing = false;
  /** Set at shutdown, after which calls (cut by it) are written one by one, straight away. */
  private closed = false;
  /** Calls dropped since last logged: no room left while the store refused writes. */
  private dropped = 0;
  private droppedLoggedAt = 0;
  /** The end users given counters of their own today, per user. */
  private readonly endUsers = new Map<string, Set<string>>();
  /** Calls counted under `~other` today, per user. */
  private readonly folded = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;
  private day = Number.NaN;
  private date = '';

  constructor(
    private readonly store: KeyValueStore,
    @Inject(usageConfig.KEY) private readonly config: UsageConfig,
  ) {
    super();
    this.timer = setInterval(() => {
      if (!this.writing) void this.flush();
    }, config.flushMs).unref();
  }

  record(req: Request, { logicId, usage, endUser }: RecordedCall): void {
    const { userId } = getCaller(req);
    const date = this.today();
    const call: Counters = new Map([[`usage:${date}`, amounts(`${logicId}:${userId}`, usage)]]);
    if (this.config.perEndUser && endUser) {
      const tail = `${logicId}:${this.endUserName(userId, endUser)}`;
      call.set(`usage:${date}:${userId}`, amounts(tail, usage));
    }
    if (this.closed) this.writeNow(call);
    else this.hold(call);
  }

  /**
   * Writes the pending sums: waits for a write in progress, then runs one more (shared by
   * every caller meanwhile). Sums the store refuses are kept for the next flush.
   */
  flush(): Promise<void> {
    if (this.writing) {
      this.queued ??= this.writing.then(() => {
        this.queued = undefined;
        return this.flush();
      });
      return this.queued;
    }
    const writing = this.write().finally(() => {
      this.writing = undefined;
    });
    this.writing = writing;
    return writing;
  }

  /**
   * The rows of each UTC day from `from` to `to` (excluded), as days since the epoch. This
   * process's pending sums are written first; other replicas' last `flushMs` may be missing.
   */
  async read(from: number, to: number): Promise<UsageRow[][]> {
    await this.flush();
    const days = Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);
    return Promise.all(
      days.map(async (day) => rowsOf(await this.store.getFields(`usage:${dateOf(day)}`))),
    );
  }

  /**
   * The last write (the store closes after this: StorageModule is global, shut down last).
   * Calls that end later, cut by the shutdown, are written one by one as they come.
   */
  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    this.closed = true;
    await this.flush();
    const refused = this.failed ? [this.failed] : [];
    // Left pending only when the refused write, sent first, was refused again: try it too.
    const rest = this.take();
    if (rest && !(await this.apply(rest))) refused.push(rest);
    const lost = callsIn(refused);
    if (lost.calls)
      this.logger.error(
        `usage of ${lost.calls} call(s) (${lost.tokens} tokens) lost: the store refused it`,
      );
    this.logDropped(true);
    this.logFolded();
  }

  /** Adds a call to the pending sums, unless it needs counters there is no room left for. */
  private hold(call: Counters): void {
    let added = 0;
    for (const [key, amounts] of call) {
      const held = this.pending.get(key);
      for (const name of amounts.keys()) if (!held?.has(name)) added++;
    }
    const size = this.pendingSize + (this.failed?.size ?? 0) + added;
    if (added && size > this.config.maxPendingCounters) {
      this.dropped++;
      return;
    }
    for (const [key, amounts] of call) {
      let held = this.pending.get(key);
      if (!held) this.pending.set(key, (held = new Map()));
      for (const [name, amount] of amounts) held.set(name, (held.get(name) ?? 0) + amount);
    }
    this.pendingSize += added;
  }

  /** The refused write first, and while the store refuses it, nothing else. */
  private async write(): Promise<void> {
    if (this.failed && (await this.apply(this.failed))) this.failed = undefined;
    if (!this.failed) {
      const batch = this.take();
      if (batch && !(await this.apply(batch))) this.failed = batch;
    }
    this.logDropped(false);
  }

  private take(): Batch | undefined {
    if (!this.pending.size) return undefined;
    const batch = { id: randomUUID(), counters: this.pending, size: this.pendingSize };
    this.pending = new Map();
    this.pendingSize = 0;
    return batch;
  }

  private async apply(batch: Batch): Promise<boolean> {
    try {
      await this.store.incrementFields(batch.counters, this.ttlMs(), batch.id);
      if (this.failing) this.logger.log('usage written again');
      this.failing = false;
      return true;
    } catch (error) {
      // Logged when writing starts failing, not at every flush.
      if (!this.failing)
        this.logger.error(`usage not written, kept to be sent again: ${(error as Error).message}`);
      this.failing = true;
      return false;
    }
  }

  private writeNow(call: Counters): void {
    this.store.incrementFields(call, this.ttlMs(), randomUUID()).catch((error: unknown) => {
      this.logger.error(
        `usage of 1 call lost: the store refused it after shutdown: ${(error as Error).message}`,
      );
    });
  }

  private ttlMs(): number {
    return this.config.retentionDays * DAY_MS;
  }

  /** The end user's counter name: a digest when too long, `~other` past the day's quota. */
  private endUserName(userId: string, endUser: string): string {
    const name =
      endUser.length > MAX_END_USER_LENGTH
        ? `sha256:${createHash('sha256').update(endUser).digest('hex')}`
        : endUser;
    let seen = this.endUsers.get(userId);
    if (!seen) this.endUsers.set(userId, (seen = new Set()));
    if (seen.has(name)) return name;
    if (seen.size < this.config.maxEndUsersPerUser) {
      seen.add(name);
      return name;
    }
    const folded = this.folded.get(userId) ?? 0;
    if (!folded)
      this.logger.warn(
        `user '${userId}' has more than ${this.config.maxEndUsersPerUser} end users on ${this.date} (usage.maxEndUsersPerUser): further ones are counted as '${OTHER_END_USERS}'`,
      );
    this.folded.set(userId, folded + 1);
    return OTHER_END_USERS;
  }

  private logDropped(now: boolean): void {
    if (!this.dropped || (!now && Date.now() - this.droppedLoggedAt < DROP_LOG_MS)) return;
    this.logger.error(
      `usage of ${this.dropped} call(s) dropped: ${this.config.maxPendingCounters} counters (usage.maxPendingCounters) held while the store refused writes`,
    );
    this.dropped = 0;
    this.droppedLoggedAt = Date.now();
  }

  private logFolded(): void {
    for (const [userId, calls] of this.folded)
      this.logger.warn(
        `${calls} call(s) of user '${userId}' on ${this.date} counted as end user '${OTHER_END_USERS}' (usage.maxEndUsersPerUser)`,
      );
    this.folded.clear();
  }

  private today(): string {
    const day = Math.floor(Date.now() / DAY_MS);
    if (day !== this.day) {
      this.logFolded();
      this.endUsers.clear();
      this.day = day;
      this.date = dateOf(day);
    }
    return this.date;
  }
}

/** A call's counters: one request, and its tokens (none when it reported no usage). */
function amounts(tail: string, usage: Usage | undefined): Map<string, number> {
  const counters = new Map([[`requests:${tail}`, 1]]);
  addTo(counters, `input:${tail}`, usage?.prompt_tokens);
  addTo(counters, `output:${tail}`, usage?.completion_tokens);
  addTo(counters, `cached:${tail}`, usage?.prompt_tokens_details?.cached_tokens);
  return counters;
}

/** Adds a whole, positive amount; anything else an upstream may report counts as nothing. */
function addTo(counters: Map<string, number>, name: string, amount: number | undefined): void {
  const whole = Math.trunc(amount ?? 0);
  if (!Number.isSafeInteger(whole) || whole <= 0) return;
  counters.set(name, (counters.get(name) ?? 0) + whole);
}

/** The calls and tokens (input and output) in some writes, read from the days' keys. */
function callsIn(batches: readonly Batch[]): { calls: number; tokens: number } {
  let calls = 0;
  let tokens = 0;
  for (const { counters } of batches) {
    for (const [key, amounts] of counters) {
      if (!DAY_KEY.test(key)) continue;
      for (const [name, amount] of amounts) {
        if (name.startsWith('requests:')) calls += amount;
        else if (name.startsWith('input:') || name.startsWith('output:')) tokens += amount;
      }
    }
  }
  return { calls, tokens };
}

function dateOf(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

function rowsOf(counters: Map<string, number>): UsageRow[] {
  const rows = new Map<string, UsageRow>();
  for (const [name, amount] of counters) {
    const metricEnd = name.indexOf(':');
    const olEnd = name.indexOf(':', metricEnd + 1);
    const metric = METRICS.get(name.slice(0, metricEnd));
    if (metricEnd < 0 || olEnd < 0 || !metric) continue;
    const id = name.slice(metricEnd + 1);
    let row = rows.get(id);
    if (!row) {
      row = {
        userId: name.slice(olEnd + 1),
        logicId: name.slice(metricEnd + 1, olEnd),
        requests: 0,
        inputTokens: 0,
        outputTokens: 0,
        cachedInputTokens: 0,
      };
      rows.set(id, row);
    }
    row[metric] += amount;
  }
  return [...rows.values()];
}
