import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { realpath } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import { Workspace } from './workspace.js';
import { ToolsError, ToolsErrorCode } from './tools.error.js';
import { workspacesConfig, type WorkspacesConfig } from './workspaces.config.js';

/** Opens request workspaces inside the configured roots (`workspaces.roots`). */
@Injectable()
export class WorkspaceService implements OnModuleInit {
  private readonly logger = new Logger(WorkspaceService.name);
  private roots: string[] = [];

  constructor(@Inject(workspacesConfig.KEY) private readonly config: WorkspacesConfig) {}

  async onModuleInit(): Promise<void> {
    const roots: string[] = [];
    for (const root of this.config.roots) {
      if (!isAbsolute(root))
        throw new Error(`workspaces.roots: '${root}' must be an absolute path`);
      try {
        roots.push(await realpath(root));
      } catch {
        this.logger.warn(
          `workspace root ${root} does not exist: no workspace can be opened under it`,
        );
      }
    }
    this.roots = roots;
  }

  async open(path: string): Promise<Workspace> {
    if (!this.roots.length) {
      throw new ToolsError(
        ToolsErrorCode.WORKSPACE_DENIED,
        'Invalid workspace: this service allows no workspaces (workspaces.roots is empty)',
        'model',
      );
    }
    return Workspace.open(path, this.roots);
  }
}
