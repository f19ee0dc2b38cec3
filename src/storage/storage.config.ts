import { Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { defineConfigSection } from '../configuration/config-section.js';
import { SecretRef } from '../secrets/secret-ref.js';

const STORAGE_DRIVERS = ['sqlite', 'memory', 'redis'] as const;
export type StorageDriver = (typeof STORAGE_DRIVERS)[number];

export class StorageConfig {
  /**
   * `sqlite` keeps state in one file that survives restarts (one process); `memory` in this
   * process only, lost on restart; `redis` shares it between replicas.
   * Unset: `redis` when `url` is set, else `sqlite`.
   */
  @IsOptional()
  @IsIn(STORAGE_DRIVERS)
  driver?: StorageDriver;

  /** Redis: `redis://[user@]host:port/db` (env `STORAGE_URL`). */
  @IsOptional()
  @IsString()
  @Matches(/^rediss?:\/\//, { message: 'a redis:// or rediss:// URL' })
  url?: string;

  /** Redis: the password, as a secret (`{ secret: redis_password }`); wins over one in `url`. */
  @IsOptional()
  @ValidateNested()
  @Type(() => SecretRef)
  password?: SecretRef;

  /** SQLite: the database file, relative to the working directory (its folder is created). */
  @IsString()
  @MinLength(1)
  path: string = 'data/store.sqlite';

  /** Redis: put before every key, so several services (or test runs) can share one Redis. */
  @IsString()
  @Matches(/^[\w.:-]{0,64}$/, { message: 'letters, digits, "_", ".", ":" or "-" (at most 64)' })
  keyPrefix: string = 'llmo:';

  /**
   * A store command that takes longer fails, and the caller's storage-error policy applies:
   * Redis's command timeout, SQLite's wait for a lock another connection holds.
   */
  @IsInt()
  @Min(50)
  @Max(60_000)
  commandTimeoutMs: number = 2000;
}

export const storageConfig = defineConfigSection('storage', StorageConfig);

export function effectiveDriver(config: StorageConfig): StorageDriver {
  return config.driver ?? (config.url ? 'redis' : 'sqlite');
}
