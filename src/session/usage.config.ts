import { IsInt, Max, Min } from 'class-validator';
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
}

export const usageConfig = defineConfigSection('usage', UsageConfig);
