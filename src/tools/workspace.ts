import { realpath, stat } from 'node:fs/promises';
import { isAbsolute, normalize, relative, resolve, sep, win32 } from 'node:path';
import { ToolError } from './tool.decorator.js';
import { ToolsError, ToolsErrorCode } from './tools.error.js';

/**
 * The folder a request's file tools work in. Every path a model gives is relative to it;
 * `..`, absolute paths and symbolic links that lead outside are refused. Containment is
 * checked on the real path (symlinks resolved), so a link inside the workspace pointing
 * outside is refused too.
 */
export class Workspace {
  private constructor(
    /** The real path of the workspace (symlinks resolved). */
    readonly root: string,
    /** The path as the request named it, for prompts and messages. */
    readonly path: string,
  ) {}

  /**
   * Opens `requested` (absolute) when its real path lies inside one of `roots` (real paths).
   * Before touching the disk, its path as written must lie inside one of them or of
   * `named` (the roots as configured, which may go through symbolic links).
   */
  static async open(
    requested: string,
    roots: readonly string[],
    named: readonly string[] = roots,
  ): Promise<Workspace> {
    const deny = (why: string): ToolsError =>
      new ToolsError(
        ToolsErrorCode.WORKSPACE_DENIED,
        `Invalid workspace '${clip(requested)}': ${why}`,
        'model',
      );
    if (requested.includes('\0')) throw deny('it contains a NUL character');
    if (!isAbsolute(requested)) throw deny('it must be an absolute path');
    const lexical = normalize(requested);
    if (![...roots, ...named].some((root) => isInside(root, lexical)))
      throw deny('it is not inside an allowed workspace root');
    let real: string;
    try {
      real = await realpath(lexical);
      if (!(await stat(real)).isDirectory()) throw new Error('not a directory');
    } catch {
      throw deny('it does not exist or is not a directory');
    }
    if (!roots.some((root) => isInside(root, real)))
      throw deny('it is not inside an allowed workspace root');
    return new Workspace(real, requested);
  }

  /**
   * The real path of an existing file or folder named relative to the workspace. Throws a
   * `ToolError` (for the model to read) when the path is refused or missing.
   */
  async resolve(path: string): Promise<string> {
    if (path.includes('\0')) throw new ToolError('the path contains a NUL character');
    if (isAbsolute(path) || win32.isAbsolute(path)) {
      throw new ToolError(
        `'${clip(path)}' is absolute: give a path relative to the workspace root`,
      );
    }
    if (path.split(/[\\/]/).includes('..'))
      throw new ToolError(`'..' is not allowed in paths ('${clip(path)}')`);
    let real: string;
    try {
      real = await realpath(resolve(this.root, path));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR')
        throw new ToolError(`not found: '${clip(path)}'`);
      throw new ToolError(`cannot access '${clip(path)}' (${code ?? 'error'})`);
    }
    if (!isInside(this.root, real)) {
      throw new ToolError(`'${clip(path)}' leads outside the workspace (through a symbolic link)`);
    }
    return real;
  }

  /** How a real path inside the workspace is shown to the model: relative, `/`-separated. */
  display(real: string): string {
    const rel = relative(this.root, real);
    return rel === '' ? '.' : rel.split(sep).join('/');
  }

  contains(real: string): boolean {
    return isInside(this.root, real);
  }
}

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

function clip(text: string): string {
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}
