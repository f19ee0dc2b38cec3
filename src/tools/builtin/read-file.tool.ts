import { Tool, ToolError, type ToolContext, type ToolHandler } from '../tool.decorator.js';
import { isBinaryFile, openRegularFile, readLines } from './workspace-files.js';

interface ReadFileArgs {
  path: string;
  start_line: number;
  max_lines: number;
}

const MAX_LINE_BYTES = 16 * 1024;

/** Reads a text file of the workspace, by line range. */
@Tool({
  name: 'read_file',
  description:
    'Read a text file of the workspace. Paths are relative to the workspace root. Long files are read in windows: pass start_line to continue.',
  parameters: {
    type: 'object',
    properties: {
      path: {
        type: 'string',
        minLength: 1,
        maxLength: 1024,
        description: 'File path relative to the workspace root.',
      },
      start_line: {
        type: 'integer',
        minimum: 1,
        default: 1,
        description: 'First line to read (1-based).',
      },
      max_lines: {
        type: 'integer',
        minimum: 1,
        maximum: 5000,
        default: 500,
        description: 'How many lines to read.',
      },
    },
    required: ['path'],
    additionalProperties: false,
  },
  needsWorkspace: true,
})
export class ReadFileTool implements ToolHandler<ReadFileArgs> {
  async run({ path, start_line, max_lines }: ReadFileArgs, ctx: ToolContext): Promise<string> {
    const workspace = ctx.workspace!;
    const real = await workspace.resolve(path);
    const shown = workspace.display(real);
    const handle = await openRegularFile(workspace, real, shown);
    try {
      if (await isBinaryFile(handle)) throw new ToolError(`'${shown}' is a binary file`);
      const lines: string[] = [];
      let lineNo = 0;
      let more = false;
      for await (const line of readLines(handle, MAX_LINE_BYTES, ctx.signal)) {
        lineNo++;
        if (lineNo < start_line) continue;
        if (lines.length === max_lines) {
          more = true;
          break;
        }
        lines.push(line);
      }
      if (lineNo < start_line && lineNo > 0)
        throw new ToolError(`'${shown}' has only ${lineNo} lines`);
      const next = start_line + lines.length;
      return (
        lines.join('\n') + (more ? `\n[more lines follow: read on with start_line=${next}]` : '')
      );
    } finally {
      await handle.close();
    }
  }
}
