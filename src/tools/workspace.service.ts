import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { realpath } from 'node:fs/promises';
import { normalize } from 'node:path';
import { Workspace } from './workspace.js';
import { ToolsError, ToolsErrorCode } from './tools.error.js';
import { workspacesConfig, type WorkspacesConfig } from './workspaces.config.js';

/** Opens request workspaces inside the configured roots (`workspaces.roots`). */
@Injectable()
export class WorkspaceService implements OnModuleInit {
  private readonly logger = new Logger(WorkspaceService.name);
  /** Real paths of the roots, and the roots as configured (normalized). */
  private roots: string[] = [];
  private named: string[] = [];

  constructor(@Inject(workspacesConfig.KEY) private readonly config: WorkspacesConfig) {}

  async onModuleInit(): Promise<void> {
    const roots: string[] = [];
    const named: string[] = [];
    for (const root of this.config.roots) {
      try {
        roots.push(await realpath(root));
        named.push(normalize(root));
      } catch {
        this.logger.warn(
          `workspace root ${root} does not exist: no workspace can be opened under it`,
        );
      }
    }
    this.roots = roots;
    this.named = named;
  }

  async open(path: string): Promise<Workspace> {
    if (!this.roots.length) {
      throw new ToolsError(
        ToolsErrorCode.WORKSPACE_DENIED,
        'Invalid workspace: this service allows no workspaces (workspaces.roots is empty)',
        'model',
      );
    }
    return Workspace.open(path, this.roots, this.named);
  }
}
