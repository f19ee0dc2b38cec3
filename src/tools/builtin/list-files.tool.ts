import { stat } from 'node:fs/promises';
import { Tool, ToolError, type ToolContext, type ToolHandler } from '../tool.decorator.js';
import { walk } from './workspace-files.js';

interface ListFilesArgs {
  path: string;
  recursive: boolean;
  max_entries: number;
}

/** Lists a folder of the workspace; symbolic links are shown, never followed. */
@Tool({
  name: 'list_files',
  description:
    'List the files and folders of a workspace folder (folders end with "/", symbolic links with "@"). Paths are relative to the workspace root.',
  parameters: {
    type: 'object',
    properties: {
      path: {
        type: 'string',
        default: '.',
        maxLength: 1024,
        description: 'Folder relative to the workspace root.',
      },
      recursive: {
        type: 'boolean',
        default: false,
        description: 'Include the content of sub-folders.',
      },
      max_entries: { type: 'integer', minimum: 1, maximum: 2000, default: 200 },
    },
    additionalProperties: false,
  },
  needsWorkspace: true,
})
export class ListFilesTool implements ToolHandler<ListFilesArgs> {
  async run({ path, recursive, max_entries }: ListFilesArgs, ctx: ToolContext): Promise<string> {
    const workspace = ctx.workspace!;
    const real = await workspace.resolve(path);
    if (!(await stat(real)).isDirectory())
      throw new ToolError(`'${workspace.display(real)}' is not a folder`);
    const lines: string[] = [];
    for await (const entry of walk(workspace, real, recursive, ctx.signal)) {
      if (lines.length === max_entries) {
        lines.push(`[more entries not shown: raise max_entries (≤ 2000) or list a sub-folder]`);
        break;
      }
      const suffix = entry.kind === 'dir' ? '/' : entry.kind === 'link' ? '@' : '';
      lines.push(entry.rel + suffix);
    }
    return lines.length ? lines.join('\n') : '(empty folder)';
  }
}
