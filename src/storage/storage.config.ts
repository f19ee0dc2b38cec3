import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { defineConfigSection } from '../configuration/config-section.js';

export const STORAGE_DRIVERS = ['memory', 'redis'] as const;
export type StorageDriver = (typeof STORAGE_DRIVERS)[number];

export class StorageConfig {
  /**
   * `memory` keeps state in this process (one replica); `redis` shares it between replicas.
   * Unset: `redis` when `url` is a `redis://` or `rediss://` URL, else `memory`.
   */
  @IsOptional()
  @IsIn(STORAGE_DRIVERS)
  driver?: StorageDriver;

  /** `redis://[user:password@]host:port/db` (env `STORAGE_URL`). */
  @IsOptional()
  @IsString()
  @Matches(/^rediss?:\/\//, { message: 'a redis:// or rediss:// URL' })
  url?: string;

  /** Put before every key, so several services (or test runs) can share one Redis. */
  @IsString()
  @Matches(/^[\w.:-]{0,64}$/, { message: 'letters, digits, "_", ".", ":" or "-" (at most 64)' })
  keyPrefix: string = 'llmo:';

  /** A Redis command that takes longer fails (and the caller's storage-error policy applies). */
  @IsInt()
  @Min(50)
  @Max(60_000)
  commandTimeoutMs: number = 2000;
}

export const storageConfig = defineConfigSection('storage', StorageConfig);

export function effectiveDriver(config: StorageConfig): StorageDriver {
  return config.driver ?? (config.url ? 'redis' : 'memory');
}
