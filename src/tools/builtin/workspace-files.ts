import { constants, type Dirent } from 'node:fs';
import { open, readdir, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { ToolError } from '../tool.decorator.js';
import type { Workspace } from '../workspace.js';

export interface WalkEntry {
  /** Path relative to the workspace, `/`-separated. */
  rel: string;
  real: string;
  kind: 'dir' | 'file' | 'link' | 'other';
}

/**
 * Lists a folder (depth-first, sorted) without following symbolic links: starting from a
 * real path inside the workspace, every path it yields stays inside.
 */
export async function* walk(
  workspace: Workspace,
  dir: string,
  recursive: boolean,
  signal: AbortSignal,
): AsyncGenerator<WalkEntry> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return; // unreadable folder: skipped, like `find` does
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    signal.throwIfAborted();
    const real = join(dir, entry.name);
    const kind = entry.isSymbolicLink()
      ? 'link'
      : entry.isDirectory()
        ? 'dir'
        : entry.isFile()
          ? 'file'
          : 'other';
    yield { rel: workspace.display(real), real, kind };
    if (kind === 'dir' && recursive) yield* walk(workspace, real, true, signal);
  }
}

/**
 * Opens a regular file for reading, refusing a symbolic link in last position (the path
 * was resolved just before; this closes the window where it could be swapped for a link).
 */
export async function openRegularFile(real: string, shown: string): Promise<FileHandle> {
  let handle: FileHandle;
  try {
    handle = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    throw new ToolError(
      `cannot open '${shown}' (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  const stats = await handle.stat();
  if (!stats.isFile()) {
    await handle.close();
    throw new ToolError(`'${shown}' is not a file`);
  }
  return handle;
}

/** A NUL byte in the first block is how git and grep tell binary files too. */
export function looksBinary(head: Uint8Array): boolean {
  return head.subarray(0, 8192).includes(0);
}

/**
 * Yields a file's lines (without their end-of-line), reading in chunks; a line longer than
 * `maxLineBytes` is cut, so one giant line never sits whole in memory.
 */
export async function* readLines(
  handle: FileHandle,
  maxLineBytes: number,
  signal: AbortSignal,
): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8');
  let pending = '';
  let skipping = false;
  for await (const chunk of handle.createReadStream({
    highWaterMark: 64 * 1024,
    autoClose: false,
    start: 0,
  })) {
    signal.throwIfAborted();
    const text = pending + decoder.decode(chunk as Buffer, { stream: true });
    const parts = text.split('\n');
    pending = parts.pop() ?? '';
    for (const line of parts) {
      if (skipping) {
        skipping = false;
        continue;
      }
      yield line.endsWith('\r') ? line.slice(0, -1) : line;
    }
    if (pending.length > maxLineBytes && !skipping) {
      yield `${pending.slice(0, maxLineBytes)} [line cut]`;
      pending = '';
      skipping = true;
    } else if (skipping) {
      pending = '';
    }
  }
  pending += decoder.decode();
  if (pending && !skipping) yield pending;
}
