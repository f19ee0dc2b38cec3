import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { CalculatorTool } from './builtin/calculator.tool.js';
import { CurrentTimeTool } from './builtin/current-time.tool.js';
import { HttpGetTool } from './builtin/http-get.tool.js';
import { ListFilesTool } from './builtin/list-files.tool.js';
import { ReadFileTool } from './builtin/read-file.tool.js';
import { SearchFilesTool } from './builtin/search-files.tool.js';
import { McpToolSource } from './mcp/mcp-tool-source.js';
import { ToolExecutor } from './tool-executor.js';
import { ToolRegistry } from './tool-registry.js';
import { toolsConfig } from './tools.config.js';
import { WorkspaceService } from './workspace.service.js';
import { workspacesConfig } from './workspaces.config.js';

/** `@Tool` providers and their discovery, argument validation, execution, MCP sources (C3). */
@Module({
  imports: [DiscoveryModule],
  providers: [
    toolsConfig.provider(),
    workspacesConfig.provider(),
    ToolRegistry,
    ToolExecutor,
    WorkspaceService,
    McpToolSource,
    CalculatorTool,
    CurrentTimeTool,
    ReadFileTool,
    ListFilesTool,
    SearchFilesTool,
    HttpGetTool,
  ],
  exports: [ToolRegistry, ToolExecutor, WorkspaceService],
})
export class ToolsModule {}
