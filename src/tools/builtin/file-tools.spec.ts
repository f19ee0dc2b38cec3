import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  realpathSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ToolContext } from '../tool.decorator.js';
import { Workspace } from '../workspace.js';
import { ListFilesTool } from './list-files.tool.js';
import { ReadFileTool } from './read-file.tool.js';
import { SearchFilesTool } from './search-files.tool.js';
import { openRegularFile } from './workspace-files.js';

describe('workspace file tools', () => {
  let base: string;
  let ctx: ToolContext;

  beforeAll(async () => {
    base = realpathSync(mkdtempSync(join(tmpdir(), 'files-')));
    const root = join(base, 'ws');
    mkdirSync(join(root, 'docs', 'nested'), { recursive: true });
    mkdirSync(join(base, 'outside'));
    writeFileSync(join(root, 'README.md'), 'Project Alpha\r\nSecond line\r\n');
    writeFileSync(
      join(root, 'docs', 'guide.md'),
      Array.from({ length: 30 }, (_, i) => `line ${i + 1}${i === 11 ? ' needle' : ''}`).join('\n'),
    );
    writeFileSync(join(root, 'docs', 'nested', 'deep.txt'), 'the NEEDLE in depth\n');
    writeFileSync(
      join(root, 'image.bin'),
      Buffer.from([0x89, 0x50, 0x00, 0x01, 0x6e, 0x65, 0x65, 0x64, 0x6c, 0x65]),
    );
    writeFileSync(join(root, 'long.txt'), `${'x'.repeat(100_000)}\nafter needle\n`);
    writeFileSync(join(base, 'outside', 'leak.txt'), 'needle from outside the workspace\n');
    symlinkSync(join(base, 'outside'), join(root, 'docs', 'outside-link'));
    symlinkSync(join(base, 'outside', 'leak.txt'), join(root, 'leak-link.txt'));
    execFileSync('mkfifo', [join(root, 'pipe')]);
    ctx = {
      signal: new AbortController().signal,
      caller: { userId: 'u' },
      callId: 'c',
      timeoutMs: 1000,
      workspace: await Workspace.open(root, [base]),
    };
  });

  afterAll(() => rmSync(base, { recursive: true, force: true }));

  describe('read_file', () => {
    const read = new ReadFileTool();

    it('reads a text file (CRLF normalised) and windows of long ones', async () => {
      expect(await read.run({ path: 'README.md', start_line: 1, max_lines: 500 }, ctx)).toBe(
        'Project Alpha\nSecond line',
      );
      expect(await read.run({ path: 'docs/guide.md', start_line: 10, max_lines: 3 }, ctx)).toBe(
        'line 10\nline 11\nline 12 needle\n[more lines follow: read on with start_line=13]',
      );
      expect(await read.run({ path: 'docs/guide.md', start_line: 29, max_lines: 5 }, ctx)).toBe(
        'line 29\nline 30',
      );
    });

    it('cuts a giant line instead of holding it whole', async () => {
      const text = await read.run({ path: 'long.txt', start_line: 1, max_lines: 2 }, ctx);
      const [first, second] = text.split('\n');
      expect(first).toMatch(/^x{16384} \[line cut\]$/);
      expect(second).toBe('after needle');
    });

    it.each([
      ['image.bin', /is a binary file/],
      ['docs', /is not a file/],
      ['leak-link.txt', /leads outside the workspace/],
      ['docs/outside-link/leak.txt', /leads outside the workspace/],
    ])('refuses %s', async (path, message) => {
      await expect(read.run({ path, start_line: 1, max_lines: 10 }, ctx)).rejects.toThrow(message);
    });

    it('refuses a FIFO at once instead of blocking on it', async () => {
      const started = Date.now();
      await expect(read.run({ path: 'pipe', start_line: 1, max_lines: 10 }, ctx)).rejects.toThrow(
        "'pipe' is not a file",
      );
      expect(Date.now() - started).toBeLessThan(500);
    });

    it('refuses a file whose folder was swapped for a link out after the path was checked', async () => {
      const dir = join(base, 'ws', 'swap');
      mkdirSync(dir);
      writeFileSync(join(dir, 'leak.txt'), 'inside');
      const workspace = ctx.workspace!;
      const real = await workspace.resolve('swap/leak.txt');
      // The race, played slowly: the folder becomes a link to outside before the open.
      renameSync(dir, `${dir}-old`);
      symlinkSync(join(base, 'outside'), dir);
      try {
        await expect(openRegularFile(workspace, real, 'swap/leak.txt')).rejects.toThrow(
          "'swap/leak.txt' changed while it was being opened; try again",
        );
      } finally {
        rmSync(dir);
        renameSync(`${dir}-old`, dir);
      }
      const handle = await openRegularFile(workspace, real, 'swap/leak.txt');
      await handle.close();
      rmSync(dir, { recursive: true });
    });

    it('says when start_line is past the end', async () => {
      await expect(
        read.run({ path: 'README.md', start_line: 9, max_lines: 10 }, ctx),
      ).rejects.toThrow(/has only 2 lines/);
    });
  });

  describe('list_files', () => {
    const list = new ListFilesTool();

    it('lists a folder, marking folders and links, without following links', async () => {
      expect(await list.run({ path: '.', recursive: false, max_entries: 200 }, ctx)).toBe(
        ['README.md', 'docs/', 'image.bin', 'leak-link.txt@', 'long.txt', 'pipe'].join('\n'),
      );
      expect(await list.run({ path: 'docs', recursive: true, max_entries: 200 }, ctx)).toBe(
        ['docs/guide.md', 'docs/nested/', 'docs/nested/deep.txt', 'docs/outside-link@'].join('\n'),
      );
    });

    it('stops at max_entries and says so', async () => {
      const out = await list.run({ path: '.', recursive: true, max_entries: 2 }, ctx);
      expect(out.split('\n')).toEqual([
        'README.md',
        'docs/',
        expect.stringMatching(/^\[more entries not shown/),
      ]);
    });

    it('refuses a link out of the workspace', async () => {
      await expect(
        list.run({ path: 'docs/outside-link', recursive: false, max_entries: 10 }, ctx),
      ).rejects.toThrow(/leads outside/);
    });
  });

  describe('search_files', () => {
    const search = new SearchFilesTool();
    const args = { query: 'needle', path: '.', case_sensitive: false, max_results: 50 };

    it('finds lines in text files, case-insensitively, never through links or in binary files', async () => {
      expect(await search.run(args, ctx)).toBe(
        [
          'docs/guide.md:12: line 12 needle',
          'docs/nested/deep.txt:1: the NEEDLE in depth',
          'long.txt:2: after needle',
        ].join('\n'),
      );
    });

    it('honours case, glob, path and max_results', async () => {
      expect(await search.run({ ...args, case_sensitive: true, query: 'NEEDLE' }, ctx)).toBe(
        'docs/nested/deep.txt:1: the NEEDLE in depth',
      );
      expect(await search.run({ ...args, glob: '**/*.txt' }, ctx)).toBe(
        ['docs/nested/deep.txt:1: the NEEDLE in depth', 'long.txt:2: after needle'].join('\n'),
      );
      expect(await search.run({ ...args, path: 'docs/guide.md' }, ctx)).toBe(
        'docs/guide.md:12: line 12 needle',
      );
      expect((await search.run({ ...args, max_results: 1 }, ctx)).split('\n')).toEqual([
        'docs/guide.md:12: line 12 needle',
        expect.stringMatching(/^\[search stopped early/),
      ]);
      expect(await search.run({ ...args, query: 'nothing like this' }, ctx)).toBe(
        'no match for "nothing like this"',
      );
    });

    it('skips a FIFO, even when named as the path', async () => {
      expect(await search.run({ ...args, path: 'pipe' }, ctx)).toBe('no match for "needle"');
    });

    it('treats the query as text, not a pattern', async () => {
      expect(await search.run({ ...args, query: '.*' }, ctx)).toBe('no match for ".*"');
    });
  });
});
