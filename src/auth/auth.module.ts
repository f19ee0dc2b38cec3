import { Global, Module } from '@nestjs/common';
import { APP_GUARD, DiscoveryModule } from '@nestjs/core';
import { RATE_LIMIT_USAGE } from '../common/usage-recorder.js';
import { serverConfig } from '../protocol/server.config.js';
import { RouterModule } from '../router/router.module.js';
import { secretsConfig } from '../secrets/secrets.config.js';
import { ApiKeyGuard } from './api-key.guard.js';
import { ApiKeyStore } from './api-key-store.js';
import { authConfig } from './auth.config.js';
import { ModelAccess } from './model-access.service.js';
import { nestThrottler } from './nest-throttler.js';
import { RateLimitGuard } from './rate-limit.guard.js';
import { rateLimitConfig } from './rate-limit.config.js';
import { StoreThrottlerStorage } from './store-throttler-storage.js';
import { TokenLedger } from './token-ledger.js';
import { UsageAccess } from './usage-access.service.js';

/**
 * Who may call, which OLs each caller may use, and how fast (C12): the API-key guard, then
 * the rate-limit guard, in front of every route not marked `@Public()`. Global so the
 * protocol layer can filter `/v1/models` and usage, and sessions can feed the token windows,
 * without importing it.
 */
@Global()
@Module({
  imports: [DiscoveryModule, RouterModule],
  providers: [
    authConfig.provider(),
    rateLimitConfig.provider(),
    serverConfig.provider(),
    secretsConfig.provider(),
    ApiKeyStore,
    ModelAccess,
    TokenLedger,
    { provide: RATE_LIMIT_USAGE, useExisting: TokenLedger },
    UsageAccess,
    // The guard builds its throttlers from `rateLimit` config; only the storage is the module's.
    { provide: nestThrottler.getOptionsToken(), useValue: { throttlers: [] } },
    { provide: nestThrottler.getStorageToken(), useClass: StoreThrottlerStorage },
    // Order matters: authenticate first, then count against the authenticated user.
    { provide: APP_GUARD, useClass: ApiKeyGuard },
    { provide: APP_GUARD, useClass: RateLimitGuard },
  ],
  exports: [ModelAccess, RATE_LIMIT_USAGE, UsageAccess],
})
export class AuthModule {}
