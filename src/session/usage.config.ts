import { IsBoolean, IsInt, Max, Min } from 'class-validator';
import { defineConfigSection } from '../configuration/config-section.js';

/** `usage` in the YAML: how the per-user usage ledger is written and kept. */
export class UsageConfig {
  /**
   * Counts are summed in memory and written to the store this often (and at shutdown): a
   * crash loses at most this much usage.
   */
  @IsInt()
  @Min(10)
  @Max(3_600_000)
  flushMs: number = 1000;

  /** Days a day's counts are kept after they were last written. */
  @IsInt()
  @Min(1)
  @Max(3660)
  retentionDays: number = 400;

  /**
   * Also count each user's calls per end user (OpenAI's `user` field, a forwarded Open WebUI
   * user). Off by default: the end user is whatever the client sends, and every new one adds
   * counters kept `retentionDays`.
   */
  @IsBoolean()
  perEndUser: boolean = false;

  /**
   * With `perEndUser`: the end users of one user given counters of their own per UTC day (by
   * this process); calls of any further ones are summed under `~other`.
   */
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  maxEndUsersPerUser: number = 1000;

  /**
   * Counters held in memory while the store refuses writes: past this, a call that would add
   * a counter is dropped (and the drop logged); calls adding to held counters still count.
   */
  @IsInt()
  @Min(100)
  @Max(10_000_000)
  maxPendingCounters: number = 100_000;
}

export const usageConfig = defineConfigSection('usage', UsageConfig);
