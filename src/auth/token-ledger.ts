import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Request } from 'express';
import { getCaller } from '../common/request-caller.js';
import { UsageRecorder, type RecordedCall } from '../common/usage-recorder.js';
import { KeyValueStore } from '../storage/key-value.store.js';
import { trackerOf } from './caller-tracker.js';
import { rateLimitConfig, type RateLimitConfig } from './rate-limit.config.js';

const MINUTE = 60_000;

/** A tokens-per-minute limit and how much of the current minute is used. */
export interface TokenWindow {
  limit: number;
  used: number;
  resetMs: number;
  /** The OL this limit is for; undefined for the tier's own. */
  logicId?: string;
}

interface TokenBudget {
  key: string;
  limit: number;
  logicId?: string;
}

/**
 * Tokens used per user (and per user and OL) in minute-long windows, shared through the
 * store. Usage is known only after a call, so a call is admitted while the minute's total
 * is under the limit and its tokens are recorded when it ends. Nothing is counted where
 * no tokens-per-minute limit applies.
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
    for (const { key } of this.budgets(req, logicId)) {
      this.store.increment(key, usage.total_tokens, MINUTE).catch((error: unknown) => {
        this.logger.error(`token usage not recorded: ${(error as Error).message}`);
      });
    }
  }

  /** The token windows that apply to this call (the tier's, then the OL's). */
  async windows(req: Request, logicId: string | undefined): Promise<TokenWindow[]> {
    return Promise.all(
      this.budgets(req, logicId).map(async ({ key, limit, logicId: ol }) => {
        const state = await this.store.increment(key, 0, MINUTE);
        return { limit, used: state.value, resetMs: state.ttlMs, logicId: ol };
      }),
    );
  }

  private budgets(req: Request, logicId: string | undefined): TokenBudget[] {
    if (!this.config.enabled) return [];
    const tracker = trackerOf(req);
    const budgets: TokenBudget[] = [];
    const tier = this.config.tiers.get(getCaller(req).tier ?? 'default')?.tokensPerMinute;
    if (tier) budgets.push({ key: `tpm:${tracker}`, limit: tier });
    const ol = logicId ? this.config.ols.get(logicId)?.tokensPerMinute : undefined;
    if (ol) budgets.push({ key: `tpm:ol:${logicId}:${tracker}`, limit: ol, logicId });
    return budgets;
  }
}
