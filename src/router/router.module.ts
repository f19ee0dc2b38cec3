import { Module } from '@nestjs/common';
import { OrchestrationModule } from '../orchestration/orchestration.module.js';
import { ModelRouter } from './model-router.service.js';
import { routerConfig } from './router.config.js';

/** Parses `model` URNs and picks the OL that serves them (C5). */
@Module({
  imports: [OrchestrationModule],
  providers: [routerConfig.provider(), ModelRouter],
  exports: [ModelRouter],
})
export class RouterModule {}
