import { IsArray, ValidateBy } from 'class-validator';
import { isAbsolute } from 'node:path';
import { defineConfigSection } from '../configuration/config-section.js';

export class WorkspacesConfig {
  /**
   * Folders under which a request may open a workspace (`workspace=<absolute path>` in
   * the URN). None by default: file tools are unusable until an operator names a root.
   */
  @IsArray()
  @ValidateBy({
    name: 'isAbsolutePathList',
    validator: {
      validate: (value: unknown) =>
        Array.isArray(value) && value.every((v) => typeof v === 'string' && isAbsolute(v)),
      defaultMessage: () => 'a list of absolute paths',
    },
  })
  roots: string[] = [];
}

export const workspacesConfig = defineConfigSection('workspaces', WorkspacesConfig);
