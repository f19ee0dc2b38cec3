import { Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { OrchestrationModule } from '../orchestration/orchestration.module.js';
import { RouterModule } from '../router/router.module.js';
import { conversationsConfig } from '../session/conversations.config.js';
import { SessionModule } from '../session/session.module.js';
import { ChatCompletionsController } from './chat-completions.controller.js';
import { ClientErrors } from './client-errors.js';
import { HealthController } from './health.controller.js';
import { LogicRunner } from './logic-runner.js';
import { ModelsController } from './models.controller.js';
import { OpenAiExceptionFilter } from './openai-exception.filter.js';
import { RequestValidationPipe } from './request-validation.pipe.js';
import { ResponseStore } from './responses/response-store.js';
import { responsesConfig } from './responses/responses.config.js';
import { ResponsesController } from './responses/responses.controller.js';
import { serverConfig } from './server.config.js';
import { UsageController } from './usage.controller.js';

/** The OpenAI-compatible HTTP surface (C1): controllers, DTOs, SSE, the error filter. */
@Module({
  imports: [RouterModule, OrchestrationModule, SessionModule],
  controllers: [
    ChatCompletionsController,
    ResponsesController,
    ModelsController,
    UsageController,
    HealthController,
  ],
  providers: [
    serverConfig.provider(),
    ClientErrors,
    LogicRunner,
    ResponseStore,
    conversationsConfig.provider(),
    responsesConfig.provider(),
    { provide: APP_FILTER, useClass: OpenAiExceptionFilter },
    { provide: APP_PIPE, useClass: RequestValidationPipe },
  ],
})
export class ProtocolModule {}
