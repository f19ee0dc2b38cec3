import picomatch from 'picomatch';
import { stat } from 'node:fs/promises';
import { Tool, type ToolContext, type ToolHandler } from '../tool.decorator.js';
import { isBinaryFile, openRegularFile, readLines, walk } from './workspace-files.js';

interface SearchFilesArgs {
  query: string;
  path: string;
  glob?: string;
  case_sensitive: boolean;
  max_results: number;
}

/** Files larger than this are skipped: a search must stay cheap. */
const MAX_FILE_BYTES = 2 * 1024 * 1024;
const MAX_FILES = 5000;
const SHOWN_LINE = 240;

/**
 * Finds lines containing a text in the workspace's text files. A plain substring, never a
 * regular expression: a model-written regex could backtrack for minutes on the event loop.
 */
@Tool({
  name: 'search_files',
  description:
    'Search the text files of the workspace for lines containing a text (plain substring, not a regex). Returns "path:line: text" matches.',
  parameters: {
    type: 'object',
    properties: {
      query: { type: 'string', minLength: 1, maxLength: 200, description: 'The text to find.' },
      path: {
        type: 'string',
        default: '.',
        maxLength: 1024,
        description: 'Folder to search, relative to the workspace root.',
      },
      glob: {
        type: 'string',
        maxLength: 200,
        description: 'Only files whose relative path matches, e.g. "**/*.md".',
      },
      case_sensitive: { type: 'boolean', default: false },
      max_results: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
    },
    required: ['query'],
    additionalProperties: false,
  },
  needsWorkspace: true,
})
export class SearchFilesTool implements ToolHandler<SearchFilesArgs> {
  async run(args: SearchFilesArgs, ctx: ToolContext): Promise<string> {
    const workspace = ctx.workspace!;
    const base = await workspace.resolve(args.path);
    const matchesGlob = args.glob ? picomatch(args.glob, { dot: true }) : () => true;
    const needle = args.case_sensitive ? args.query : args.query.toLowerCase();
    const results: string[] = [];
    let files = 0;
    let stoppedEarly = false;
    const targets = (await stat(base)).isDirectory()
      ? walk(workspace, base, true, ctx.signal)
      : single(workspace.display(base), base);
    search: for await (const entry of targets) {
      if (entry.kind !== 'file' || !matchesGlob(entry.rel)) continue;
      if (++files > MAX_FILES) {
        stoppedEarly = true;
        break;
      }
      const handle = await openRegularFile(workspace, entry.real, entry.rel).catch(() => undefined);
      if (!handle) continue;
      try {
        if ((await handle.stat()).size > MAX_FILE_BYTES) continue;
        if (await isBinaryFile(handle)) continue;
        let lineNo = 0;
        for await (const line of readLines(handle, SHOWN_LINE * 8, ctx.signal)) {
          lineNo++;
          const hay = args.case_sensitive ? line : line.toLowerCase();
          if (!hay.includes(needle)) continue;
          if (results.length === args.max_results) {
            stoppedEarly = true;
            break search;
          }
          const text = line.trim();
          results.push(
            `${entry.rel}:${lineNo}: ${text.length > SHOWN_LINE ? `${text.slice(0, SHOWN_LINE)}…` : text}`,
          );
        }
      } finally {
        await handle.close();
      }
    }
    if (!results.length) return `no match for "${args.query}"`;
    if (stoppedEarly)
      results.push('[search stopped early: narrow it with path or glob, or raise max_results]');
    return results.join('\n');
  }
}

async function* single(
  rel: string,
  real: string,
): AsyncGenerator<{ rel: string; real: string; kind: 'file' }> {
  yield { rel, real, kind: 'file' };
}
