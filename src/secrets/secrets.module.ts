import { Global, Module } from '@nestjs/common';
import { secretsConfig } from './secrets.config.js';
import { SecretsService } from './secrets.service.js';

/** Turns `{ secret: <name> }` references into values: file first, env fallback (C8). */
@Global()
@Module({
  providers: [secretsConfig.provider(), SecretsService],
  exports: [SecretsService],
})
export class SecretsModule {}
