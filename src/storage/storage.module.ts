import { Global, Logger, Module } from '@nestjs/common';
import { KeyValueStore } from './key-value.store.js';
import { MemoryStore } from './memory.store.js';
import { RedisStore } from './redis.store.js';
import { effectiveDriver, storageConfig, type StorageConfig } from './storage.config.js';

/**
 * The key-value and counter store behind limits, usage and (later) sessions: in-process
 * memory by default, Redis when `storage.driver: redis` so replicas share one state.
 */
@Global()
@Module({
  providers: [
    storageConfig.provider(),
    {
      provide: KeyValueStore,
      inject: [storageConfig.KEY],
      useFactory: (config: StorageConfig): KeyValueStore => {
        const driver = effectiveDriver(config);
        new Logger('Storage').log(`storage driver: ${driver}`);
        if (driver === 'memory') return new MemoryStore();
        return new RedisStore({
          url: config.url ?? 'redis://127.0.0.1:6379',
          keyPrefix: config.keyPrefix,
          commandTimeoutMs: config.commandTimeoutMs,
        });
      },
    },
  ],
  exports: [KeyValueStore],
})
export class StorageModule {}
