import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Request } from 'express';
import { getCaller } from '../common/request-caller.js';
import { UsageRecorder, type RecordedCall } from '../common/usage-recorder.js';
import { KeyValueStore } from '../storage/key-value.store.js';
import { trackerOf } from './caller-tracker.js';
import { rateLimitConfig, type RateLimitConfig } from './rate-limit.config.js';
import { TOKEN_PERIODS, windowAt, type TokenPeriod, type WindowSpan } from './token-window.js';

/** A token limit and how much of its current window is used. */
export interface TokenWindow {
  period: TokenPeriod;
  limit: number;
  used: number;
  resetMs: number;
  /** When a calendar window ends; undefined for the minute. */
  resetsAt?: Date;
  /** The OL this limit is for; undefined for the tier's own. */
  logicId?: string;
  /** The tier a tier's own limit comes from; undefined for an OL's. */
  tier?: string;
}

interface TokenBudget {
  key: string;
  limit: number;
  period: TokenPeriod;
  span: WindowSpan;
  logicId?: string;
  tier?: string;
}

/**
 * Tokens used per user (and per user and OL) per minute, UTC day and UTC month, shared through
 * the store. Usage is known only after a call, so a call is admitted while each window's total
 * is under its limit and its tokens are recorded when it ends (in the windows of that moment).
 * Nothing is counted where no token limit applies.
 */
@Injectable()
export class TokenLedger extends UsageRecorder {
  private readonly logger = new Logger('RateLimit');

  constructor(
    private readonly store: KeyValueStore,
    @Inject(rateLimitConfig.KEY) private readonly config: RateLimitConfig,
  ) {
    super();
  }

  /** A call that reported no usage (it failed or was cut first) spent no tokens here. */
  record(req: Request, { logicId, usage }: RecordedCall): void {
    if (!usage) return;
    for (const { key, span } of this.budgets(req, logicId, new Date())) {
      this.store.increment(key, usage.total_tokens, span.ttlMs).catch((error: unknown) => {
        this.logger.error(`token usage not recorded: ${(error as Error).message}`);
      });
    }
  }

  /** The token windows that apply to this call, shortest period first (each: the tier's, then the OL's). */
  async windows(req: Request, logicId: string | undefined): Promise<TokenWindow[]> {
    const now = new Date();
    return Promise.all(
      this.budgets(req, logicId, now).map(async ({ key, span, ...budget }) => {
        const state = await this.store.increment(key, 0, span.ttlMs);
        const resetMs = span.endsAt ? span.endsAt.getTime() - now.getTime() : state.ttlMs;
        return { ...budget, used: state.value, resetMs, resetsAt: span.endsAt };
      }),
    );
  }

  private budgets(req: Request, logicId: string | undefined, now: Date): TokenBudget[] {
    if (!this.config.enabled) return [];
    const tracker = trackerOf(req);
    const tierName = getCaller(req).tier ?? 'default';
    const tier = this.config.tiers.get(tierName);
    const ol = logicId ? this.config.ols.get(logicId) : undefined;
    const budgets: TokenBudget[] = [];
    for (const { period, limitKey, prefix } of TOKEN_PERIODS) {
      const tierLimit = tier?.[limitKey];
      const olLimit = ol?.[limitKey];
      if (!tierLimit && !olLimit) continue;
      const span = windowAt(period, now);
      const at = span.id ? `${prefix}:${span.id}` : prefix;
      if (tierLimit)
        budgets.push({ key: `${at}:${tracker}`, limit: tierLimit, period, span, tier: tierName });
      if (olLimit)
        budgets.push({
          key: `${at}:ol:${logicId}:${tracker}`,
          limit: olLimit,
          period,
          span,
          logicId,
        });
    }
    return budgets;
  }
}
