import { Module } from '@nestjs/common';
import { ToolsModule } from '../tools/tools.module.js';
import { toolsetsConfig } from './toolsets.config.js';
import { ToolsetsService } from './toolsets.service.js';

/** Composing tools into the toolset of each LLM call (C4). */
@Module({
  imports: [ToolsModule],
  providers: [toolsetsConfig.provider(), ToolsetsService],
  exports: [ToolsetsService],
})
export class ToolsetsModule {}
