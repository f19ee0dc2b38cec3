import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { Request } from 'express';
import type { Usage } from '../common/chat.types.js';
import { getCaller } from '../common/request-caller.js';
import { UsageRecorder } from '../common/usage-recorder.js';
import { KeyValueStore } from '../storage/key-value.store.js';
import { usageConfig, type UsageConfig } from './usage.config.js';

const DAY_MS = 86_400_000;

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

/**
 * The usage ledger (C9a): requests and tokens per UTC day (the day a call ended), user and
 * OL, kept in the store for `usage.retentionDays`. Calls are summed in memory, so recording
 * costs a few map updates; the sums are written every `usage.flushMs` and at shutdown — a
 * crash loses at most that interval.
 *
 * Layout: `usage:<YYYY-MM-DD>` holds counters `<metric>:<OL id>:<user>`; a user's calls that
 * named an end user are also split by end user under `usage:<YYYY-MM-DD>:<user>`, as
 * `<metric>:<OL id>:<end user>`. OL ids hold no `:`, so the name after the second one is whole.
 */
@Injectable()
export class UsageLedger extends UsageRecorder implements OnApplicationShutdown {
  private readonly logger = new Logger('Usage');
  /** Sums not written yet: store key → counter name → amount. */
  private pending = new Map<string, Map<string, number>>();
  /** Flushes run one after the other: a key is never written twice at once. */
  private flushing: Promise<void> = Promise.resolve();
  private failing = false;
  private readonly timer: NodeJS.Timeout;
  private day = Number.NaN;
  private date = '';

  constructor(
    private readonly store: KeyValueStore,
    @Inject(usageConfig.KEY) private readonly config: UsageConfig,
  ) {
    super();
    this.timer = setInterval(() => void this.flush(), config.flushMs).unref();
  }

  record(req: Request, logicId: string, usage: Usage): void {
    const { userId, endUser } = getCaller(req);
    const date = this.today();
    this.count(`usage:${date}`, `${logicId}:${userId}`, usage);
    if (endUser) this.count(`usage:${date}:${userId}`, `${logicId}:${endUser}`, usage);
  }

  /** Writes the pending sums; those the store refuses stay pending for the next flush. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.write());
    return this.flushing;
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

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
    if (this.pending.size)
      this.logger.error(`usage under ${this.pending.size} key(s) lost: the store refused it`);
  }

  private count(key: string, tail: string, usage: Usage): void {
    const counters = this.pendingFor(key);
    addTo(counters, `requests:${tail}`, 1);
    addTo(counters, `input:${tail}`, usage.prompt_tokens);
    addTo(counters, `output:${tail}`, usage.completion_tokens);
    addTo(counters, `cached:${tail}`, usage.prompt_tokens_details?.cached_tokens);
  }

  private pendingFor(key: string): Map<string, number> {
    let counters = this.pending.get(key);
    if (!counters) this.pending.set(key, (counters = new Map()));
    return counters;
  }

  private async write(): Promise<void> {
    if (!this.pending.size) return;
    const batch = this.pending;
    this.pending = new Map();
    const ttlMs = this.config.retentionDays * DAY_MS;
    const failures = await Promise.all(
      [...batch].map(async ([key, counters]) => {
        try {
          await this.store.incrementFields(key, counters, ttlMs);
          return undefined;
        } catch (error) {
          // Kept for the next flush. A Redis command that timed out after it was applied is
          // then counted twice: rarer, and less harmful, than losing every failed write.
          const pending = this.pendingFor(key);
          for (const [name, amount] of counters) addTo(pending, name, amount);
          return error as Error;
        }
      }),
    );
    const failure = failures.find((error) => error !== undefined);
    // Logged when writing starts and stops failing, not at every flush.
    if (failure && !this.failing)
      this.logger.error(`usage not written, kept for the next try: ${failure.message}`);
    if (!failure && this.failing) this.logger.log('usage written again');
    this.failing = failure !== undefined;
  }

  private today(): string {
    const day = Math.floor(Date.now() / DAY_MS);
    if (day !== this.day) {
      this.day = day;
      this.date = dateOf(day);
    }
    return this.date;
  }
}

/** Adds a whole, positive amount; anything else an upstream may report counts as nothing. */
function addTo(counters: Map<string, number>, name: string, amount: number | undefined): void {
  const whole = Math.trunc(amount ?? 0);
  if (!Number.isSafeInteger(whole) || whole <= 0) return;
  counters.set(name, (counters.get(name) ?? 0) + whole);
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
