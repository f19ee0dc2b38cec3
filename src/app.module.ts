import { Module, type DynamicModule, type ModuleMetadata } from '@nestjs/common';
import { AuthModule } from './auth/auth.module.js';
import type { ConfigSourceOptions } from './configuration/config-layers.js';
import { ConfigurationModule } from './configuration/configuration.module.js';
import { ReverseModule } from './examples/reverse/reverse.module.js';
import type { LogDestination } from './logging/log-destination.js';
import { LoggingModule } from './logging/logging.module.js';
import { OrchestrationModule } from './orchestration/orchestration.module.js';
import { ProtocolModule } from './protocol/protocol.module.js';
import { RouterModule } from './router/router.module.js';
import { SecretsModule } from './secrets/secrets.module.js';
import { StorageModule } from './storage/storage.module.js';
import { TemplatesModule } from './templates/templates.module.js';
import { ToolsModule } from './tools/tools.module.js';
import { ToolsetsModule } from './toolsets/toolsets.module.js';

export interface AppOptions {
  /** Where configuration comes from (default: `./config`, `process.env`). */
  config?: ConfigSourceOptions;
  /** Log to this stream instead of stdout. */
  logDestination?: LogDestination;
  /** Extra modules, e.g. your own OLs, when embedding the service. */
  imports?: ModuleMetadata['imports'];
}

@Module({})
export class AppModule {
  static forRoot(options: AppOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigurationModule.forRoot(options.config),
        SecretsModule,
        LoggingModule.forRoot(options.logDestination),
        StorageModule,
        AuthModule,
        ToolsModule,
        ToolsetsModule,
        TemplatesModule,
        OrchestrationModule,
        RouterModule,
        ProtocolModule,
        ReverseModule,
        ...(options.imports ?? []),
      ],
    };
  }
}
