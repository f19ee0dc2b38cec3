import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ToolError } from './tool.decorator.js';
import { ToolsError } from './tools.error.js';
import { ConfigurationError } from '../configuration/configuration.error.js';
import { loadConfiguration } from '../configuration/load-configuration.js';
import { Workspace } from './workspace.js';
import { WorkspaceService } from './workspace.service.js';
import { WorkspacesConfig } from './workspaces.config.js';

/**
 * Layout (all real files in a temp dir):
 *   base/root/            the allowed root
 *     project/            the workspace
 *       notes.txt
 *       sub/deep.txt
 *       inner-link -> sub/deep.txt          (stays inside: allowed)
 *       out-file   -> base/secret.txt       (leaves: refused)
 *       out-dir    -> base/outside/         (leaves: refused)
 *       sibling    -> base/root/other/      (inside the root, outside the workspace: refused)
 *     other/x.txt
 *     link-to-outside -> base/outside       (a workspace named through it: refused)
 *   base/root-evil/       shares the root's prefix
 *   base/root-link -> base/root   (a root configured through a symbolic link)
 *   base/outside/o.txt, base/secret.txt
 */
describe('Workspace', () => {
  let base: string;
  let root: string;
  let project: string;
  let ws: Workspace;

  beforeAll(async () => {
    base = realpathSync(mkdtempSync(join(tmpdir(), 'ws-')));
    root = join(base, 'root');
    project = join(root, 'project');
    mkdirSync(join(project, 'sub'), { recursive: true });
    mkdirSync(join(root, 'other'));
    mkdirSync(join(base, 'outside'));
    mkdirSync(join(base, 'root-evil'));
    writeFileSync(join(project, 'notes.txt'), 'notes');
    writeFileSync(join(project, 'sub', 'deep.txt'), 'deep');
    writeFileSync(join(root, 'other', 'x.txt'), 'x');
    writeFileSync(join(base, 'outside', 'o.txt'), 'o');
    writeFileSync(join(base, 'secret.txt'), 'secret');
    symlinkSync(join(project, 'sub', 'deep.txt'), join(project, 'inner-link'));
    symlinkSync(join(base, 'secret.txt'), join(project, 'out-file'));
    symlinkSync(join(base, 'outside'), join(project, 'out-dir'));
    symlinkSync(join(root, 'other'), join(project, 'sibling'));
    symlinkSync(join(base, 'outside'), join(root, 'link-to-outside'));
    symlinkSync(root, join(base, 'root-link'));
    ws = await Workspace.open(project, [root]);
  });

  afterAll(() => rmSync(base, { recursive: true, force: true }));

  describe('open', () => {
    it('opens a folder inside a root, and the root itself', async () => {
      expect(ws.root).toBe(project);
      expect(ws.path).toBe(project);
      expect((await Workspace.open(root, [root])).root).toBe(root);
    });

    it.each([
      ['a relative path', () => 'root/project', /must be an absolute path/],
      ['a folder outside every root', () => '/etc', /not inside an allowed workspace root/],
      ['the parent of the root', () => `${root}/..`, /not inside an allowed workspace root/],
      [
        'a path climbing out with ..',
        () => `${project}/../../outside`,
        /not inside an allowed workspace root/,
      ],
      [
        'a sibling sharing the root as a prefix',
        () => `${root}-evil`,
        /not inside an allowed workspace root/,
      ],
      [
        'a symlink in the root leading outside',
        () => `${root}/link-to-outside`,
        /not inside an allowed workspace root/,
      ],
      ['a missing folder', () => `${root}/nope`, /does not exist or is not a directory/],
      ['a file', () => `${project}/notes.txt`, /does not exist or is not a directory/],
      ['a NUL byte', () => `${project}\0`, /contains a NUL character/],
    ])('refuses %s', async (_what, path, message) => {
      const error = await Workspace.open(path(), [root]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ToolsError);
      expect((error as ToolsError).message).toMatch(message);
      expect((error as ToolsError).param).toBe('model');
    });
  });

  describe('a root configured through a symbolic link', () => {
    const service = async (): Promise<WorkspaceService> => {
      const config = Object.assign(new WorkspacesConfig(), { roots: [join(base, 'root-link')] });
      const workspaces = new WorkspaceService(config);
      await workspaces.onModuleInit();
      return workspaces;
    };

    it('opens workspaces named through the link or by their real path', async () => {
      const workspaces = await service();
      const viaLink = await workspaces.open(join(base, 'root-link', 'project'));
      expect(viaLink.root).toBe(project);
      expect(viaLink.path).toBe(join(base, 'root-link', 'project'));
      expect((await workspaces.open(project)).root).toBe(project);
      expect(await viaLink.resolve('notes.txt')).toBe(join(project, 'notes.txt'));
    });

    it('still refuses what leads outside the real root', async () => {
      const workspaces = await service();
      for (const path of [
        join(base, 'root-link', 'link-to-outside'),
        join(base, 'root-link', '..', 'outside'),
        join(base, 'outside'),
      ]) {
        await expect(workspaces.open(path)).rejects.toThrow(/not inside an allowed workspace root/);
      }
      const viaLink = await workspaces.open(join(base, 'root-link', 'project'));
      await expect(viaLink.resolve('out-dir/o.txt')).rejects.toThrow(/leads outside/);
    });
  });

  it('refuses a relative root in the configuration, naming the key', () => {
    let error: unknown;
    try {
      loadConfiguration({
        configDir: '/nonexistent',
        env: {},
        override: { workspaces: { roots: ['/srv/ok', 'srv/relative'] } },
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).problems).toEqual([
      {
        source: 'override',
        path: 'workspaces.roots',
        message: 'expected a list of absolute paths; found a list of 2',
      },
    ]);
  });

  describe('resolve', () => {
    it('resolves relative paths to real paths inside the workspace', async () => {
      expect(await ws.resolve('notes.txt')).toBe(join(project, 'notes.txt'));
      expect(await ws.resolve('./sub/deep.txt')).toBe(join(project, 'sub', 'deep.txt'));
      expect(await ws.resolve('.')).toBe(project);
      expect(await ws.resolve('inner-link')).toBe(join(project, 'sub', 'deep.txt'));
      expect(ws.display(join(project, 'sub', 'deep.txt'))).toBe('sub/deep.txt');
      expect(ws.display(project)).toBe('.');
    });

    it.each([
      ['..', /'\.\.' is not allowed/],
      ['../root/other/x.txt', /'\.\.' is not allowed/],
      ['sub/../../secret.txt', /'\.\.' is not allowed/],
      ['sub\\..\\..\\secret.txt', /'\.\.' is not allowed/],
      ['/etc/passwd', /is absolute/],
      ['C:\\Windows\\win.ini', /is absolute/],
      ['\\\\server\\share', /is absolute/],
      ['out-file', /leads outside the workspace/],
      ['out-dir', /leads outside the workspace/],
      ['out-dir/o.txt', /leads outside the workspace/],
      ['sibling/x.txt', /leads outside the workspace/],
      ['notes.txt\0.png', /NUL/],
      ['missing.txt', /not found: 'missing.txt'/],
      ['notes.txt/child', /not found/],
    ])('refuses %j', async (path, message) => {
      const error = await ws.resolve(path).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ToolError);
      expect((error as Error).message).toMatch(message);
    });
  });
});
