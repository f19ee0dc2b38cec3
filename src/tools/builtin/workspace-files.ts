import { constants, type Dirent } from 'node:fs';
import { open, readdir, realpath, stat, type FileHandle } from 'node:fs/promises';
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
 * real path inside the workspace, every path it yields stays inside. (Only a folder swapped
 * for a link during the walk could show names from elsewhere; `openRegularFile` checks
 * again before any content is read.)
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
 * Opens a regular file of the workspace for reading. `real` was resolved and checked just
 * before; in between, a folder on the path may have been swapped for a symbolic link (or
 * the file itself for a FIFO, whose opening would block a thread of the pool for good). So
 * the open neither follows a link in last position nor waits, and the file opened must be
 * the very one (device and inode) that the path leads to inside the workspace afterwards.
 */
export async function openRegularFile(
  workspace: Workspace,
  real: string,
  shown: string,
): Promise<FileHandle> {
  let handle: FileHandle;
  try {
    handle = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    throw new ToolError(
      `cannot open '${shown}' (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  try {
    const opened = await handle.stat();
    if (!opened.isFile()) throw new ToolError(`'${shown}' is not a file`);
    const now = await realpath(real).catch(() => undefined);
    const current =
      now && workspace.contains(now) ? await stat(now).catch(() => undefined) : undefined;
    if (current?.dev !== opened.dev || current.ino !== opened.ino)
      throw new ToolError(`'${shown}' changed while it was being opened; try again`);
    return handle;
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/** A NUL byte in the first block is how git and grep tell binary files too. */
export async function isBinaryFile(handle: FileHandle): Promise<boolean> {
  const head = new Uint8Array(8192);
  const { bytesRead } = await handle.read(head, 0, head.length, 0);
  return head.subarray(0, bytesRead).includes(0);
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
