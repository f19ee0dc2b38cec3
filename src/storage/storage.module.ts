import { resolve } from 'node:path';
import { Global, Logger, Module } from '@nestjs/common';
import { ConfigurationError } from '../configuration/configuration.error.js';
import { SecretsService } from '../secrets/secrets.service.js';
import { KeyValueStore } from './key-value.store.js';
import { MemoryStore } from './memory.store.js';
import { RedisStore } from './redis.store.js';
import { SqliteStore } from './sqlite.store.js';
import { effectiveDriver, storageConfig, type StorageConfig } from './storage.config.js';

/**
 * The key-value and counter store behind limits, usage and (later) sessions: a SQLite file
 * by default, process memory when asked, Redis when `storage.driver: redis` so replicas
 * share one state.
 */
@Global()
@Module({
  providers: [
    storageConfig.provider(),
    {
      provide: KeyValueStore,
      inject: [storageConfig.KEY, SecretsService],
      useFactory: (config: StorageConfig, secrets: SecretsService): KeyValueStore => {
        const driver = effectiveDriver(config);
        const logger = new Logger('Storage');
        switch (driver) {
          case 'memory':
            logger.log('storage driver: memory (lost on restart)');
            return new MemoryStore();
          case 'sqlite':
            logger.log(`storage driver: sqlite (${config.path})`);
            return openSqlite(config);
          case 'redis':
            logger.log('storage driver: redis');
            return new RedisStore({
              url: config.url ?? 'redis://127.0.0.1:6379',
              password: config.password && secrets.get(config.password).reveal(),
              keyPrefix: config.keyPrefix,
              commandTimeoutMs: config.commandTimeoutMs,
            });
        }
      },
    },
  ],
  exports: [KeyValueStore],
})
export class StorageModule {}

/** A file that cannot be opened stops the boot with the path and SQLite's reason. */
function openSqlite(config: StorageConfig): SqliteStore {
  try {
    return new SqliteStore({ path: config.path, busyTimeoutMs: config.commandTimeoutMs });
  } catch (error) {
    throw new ConfigurationError([
      {
        source: 'startup check',
        path: 'storage.path',
        message: `cannot use the SQLite file ${resolve(config.path)}: ${(error as Error).message}`,
      },
    ]);
  }
}
