import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { ConnectorsModule } from '../connectors/connectors.module.js';
import { SessionModule } from '../session/session.module.js';
import { TemplatesModule } from '../templates/templates.module.js';
import { ToolsetsModule } from '../toolsets/toolsets.module.js';
import { ChatLogic } from './chat/chat.logic.js';
import { echoConfig } from './echo/echo.config.js';
import { agentConfig } from './agent/agent.config.js';
import { AgentLogic } from './agent/agent.logic.js';
import { EchoLogic } from './echo/echo.logic.js';
import { LogicRegistry } from './logic-registry.js';
import { OrchestrationService } from './orchestration.service.js';
import { TokenCounterService } from './token-counter.service.js';

/** The OL contract, discovery of `@OrchestrationLogic` providers, and the built-in OLs (C6). */
@Module({
  imports: [DiscoveryModule, ConnectorsModule, ToolsetsModule, TemplatesModule, SessionModule],
  providers: [
    LogicRegistry,
    OrchestrationService,
    TokenCounterService,
    echoConfig.provider(),
    EchoLogic,
    agentConfig.provider(),
    AgentLogic,
    ChatLogic,
  ],
  exports: [LogicRegistry, OrchestrationService],
})
export class OrchestrationModule {}
