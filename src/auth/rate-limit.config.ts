import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { defineConfigSection } from '../configuration/config-section.js';

/** Requests per window, and optionally tokens per minute, UTC day and UTC month, for one caller. */
export class Limits {
  /** Requests allowed per `windowMs`. */
  @IsInt()
  @Min(1)
  requests!: number;

  @IsInt()
  @Min(100)
  @Max(86_400_000)
  windowMs: number = 60_000;

  /** Total tokens (prompt + completion, as recorded) per minute-long window; unset: unlimited. */
  @IsOptional()
  @IsInt()
  @Min(1)
  tokensPerMinute?: number;

  /** Total tokens per calendar day (from 00:00 UTC): a budget, refused as `insufficient_quota`. */
  @IsOptional()
  @IsInt()
  @Min(1)
  tokensPerDay?: number;

  /** Total tokens per calendar month (from the 1st, 00:00 UTC): a budget, like `tokensPerDay`. */
  @IsOptional()
  @IsInt()
  @Min(1)
  tokensPerMonth?: number;
}

export class RateLimitConfig {
  @IsBoolean()
  enabled: boolean = true;

  /**
   * Per-user limits by tier. A key names its tier (`default` when it names none); a tier
   * missing here, `default` included, is unlimited — with no tiers, nothing is limited.
   */
  @ValidateNested({ each: true })
  @Type(() => Limits)
  tiers: Map<string, Limits> = new Map();

  /** The tier of callers when authentication is off (they are told apart by IP). */
  @IsString()
  anonymousTier: string = 'default';

  /** Extra per-user limits for one OL (by OL id), counted apart from the tier's. */
  @IsOptional()
  @ValidateNested({ each: true })
  @Type(() => Limits)
  ols: Map<string, Limits> = new Map();

  /** When the store fails (Redis away, SQLite disk full): `closed` answers 503, `open` serves unlimited. */
  @IsIn(['open', 'closed'])
  onStorageError: 'open' | 'closed' = 'closed';
}

export const rateLimitConfig = defineConfigSection('rateLimit', RateLimitConfig);
