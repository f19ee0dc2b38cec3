import { IsArray, IsString } from 'class-validator';
import { defineConfigSection } from '../configuration/config-section.js';

export class WorkspacesConfig {
  /**
   * Folders under which a request may open a workspace (`workspace=<absolute path>` in
   * the URN). None by default: file tools are unusable until an operator names a root.
   */
  @IsArray()
  @IsString({ each: true })
  roots: string[] = [];
}

export const workspacesConfig = defineConfigSection('workspaces', WorkspacesConfig);
