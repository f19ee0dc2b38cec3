import { Module } from '@nestjs/common';
import { ConnectorRegistry } from './connector-registry.js';
import { connectorsConfig } from './connectors.config.js';

/** The LLM backends (C2): one adapter per configured connector, picked by OLs by name. */
@Module({
  providers: [connectorsConfig.provider(), ConnectorRegistry],
  exports: [ConnectorRegistry],
})
export class ConnectorsModule {}
