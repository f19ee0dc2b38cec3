import { describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mergeLayers, readLayers, sourceOf } from './config-layers.js';
import type { ConfigProblem } from './configuration.error.js';

function configDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'config-layers-'));
  mkdirSync(join(dir, 'config'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

function load(dir: string, env: NodeJS.ProcessEnv, override?: Record<string, unknown>) {
  const problems: ConfigProblem[] = [];
  const layers = readLayers({ configDir: join(dir, 'config'), env, override }, problems);
  return { layers, problems, ...mergeLayers(layers) };
}

describe('configuration layers', () => {
  const dir = configDir({
    'config/default.yaml':
      'server:\n  host: 127.0.0.1\n  port: 3000\nlist: [a, b, c]\nkeep: default\n',
    'config/staging.yaml': 'server:\n  port: 3100\nlist: [x]\n',
    'app.yaml': 'server:\n  port: 3200\n  host: 0.0.0.0\n',
  });

  it('merges default → <NODE_ENV> → APP_CONFIG → override → env, later winning', () => {
    const only = load(dir, {});
    expect(only.tree.server).toEqual({ host: '127.0.0.1', port: 3000 });

    const staged = load(dir, { NODE_ENV: 'staging' });
    expect(staged.tree.server).toEqual({ host: '127.0.0.1', port: 3100 });

    const app = load(dir, { NODE_ENV: 'staging', APP_CONFIG: join(dir, 'app.yaml') });
    expect(app.tree.server).toEqual({ host: '0.0.0.0', port: 3200 });

    const overridden = load(
      dir,
      { NODE_ENV: 'staging', APP_CONFIG: join(dir, 'app.yaml') },
      { server: { port: 3300 } },
    );
    expect(overridden.tree.server).toEqual({ host: '0.0.0.0', port: 3300 });

    const env = load(
      dir,
      {
        NODE_ENV: 'staging',
        APP_CONFIG: join(dir, 'app.yaml'),
        PORT: '3400',
        HOST: '::1',
        LOG_LEVEL: 'DEBUG',
      },
      { server: { port: 3300 } },
    );
    expect(env.tree.server).toEqual({ host: '::1', port: 3400 });
    expect(env.tree.logging).toEqual({ level: 'debug' });
    expect(env.layers.map((l) => l.source.replace(dir, '<dir>'))).toEqual([
      expect.stringMatching(/config\/default\.yaml$/),
      expect.stringMatching(/config\/staging\.yaml$/),
      expect.stringMatching(/app\.yaml$/),
      'override',
      'env PORT',
      'env HOST',
      'env LOG_LEVEL',
    ]);
  });

  it('replaces arrays instead of concatenating them', () => {
    expect(load(dir, {}).tree.list).toEqual(['a', 'b', 'c']);
    expect(load(dir, { NODE_ENV: 'staging' }).tree.list).toEqual(['x']);
  });

  it('keeps a non-numeric PORT as text, for validation to name it', () => {
    expect(load(dir, { PORT: 'eighty' }).tree.server).toEqual({
      host: '127.0.0.1',
      port: 'eighty',
    });
  });

  it('records the file and line each key came from', () => {
    const { sources } = load(dir, { NODE_ENV: 'staging', PORT: '1' });
    expect(sourceOf('server.host', sources)).toMatch(/config\/default\.yaml:2$/);
    expect(sourceOf('list', sources)).toMatch(/config\/staging\.yaml:3$/);
    expect(sourceOf('list[0]', sources)).toMatch(/config\/staging\.yaml:3$/);
    expect(sourceOf('server.port', sources)).toBe('env PORT');
    expect(sourceOf('server.missing', sources)).toBe('env PORT'); // the nearest ancestor
    expect(sourceOf('nowhere.at.all', sources)).toBe('defaults');
  });

  it('forgets the provenance of a replaced subtree', () => {
    const d = configDir({
      'config/default.yaml': 'a:\n  b:\n    c: 1\n',
      'config/x.yaml': 'a:\n  b: 2\n',
    });
    const { sources, tree } = load(d, { NODE_ENV: 'x' });
    expect(tree.a).toEqual({ b: 2 });
    expect(sources.has('a.b.c')).toBe(false);
  });

  it('reports a YAML syntax error with its file and line, and skips the file', () => {
    const d = configDir({ 'config/default.yaml': 'server:\n  port: 1\n\thost: x\n' });
    const { problems, layers } = load(d, {});
    expect(layers).toHaveLength(0);
    expect(problems).toEqual([
      {
        source: expect.stringMatching(/config\/default\.yaml:3$/),
        path: '',
        message: 'YAML syntax: Tabs are not allowed as indentation',
      },
    ]);
  });

  it('reports duplicate keys, a non-mapping file, a missing APP_CONFIG file and a bad NODE_ENV', () => {
    const d = configDir({ 'config/default.yaml': 'a: 1\na: 2\n', 'list.yaml': '- 1\n' });
    expect(load(d, {}).problems[0].message).toMatch(/YAML syntax: .*unique/i);
    const notMapping = configDir({ 'config/default.yaml': '- 1\n' });
    expect(load(notMapping, {}).problems[0].message).toBe('expected a mapping at the top level');
    const missing = load(notMapping, { APP_CONFIG: join(d, 'nope.yaml') }).problems;
    expect(missing).toContainEqual({
      source: 'env APP_CONFIG',
      path: '',
      message: `file not found: ${join(d, 'nope.yaml')}`,
    });
    expect(load(dir, { NODE_ENV: '../etc' }).problems[0]).toMatchObject({ source: 'env NODE_ENV' });
  });

  it('refuses keys that would reach an object prototype', () => {
    const d = configDir({ 'config/default.yaml': 'server:\n  __proto__:\n    polluted: true\n' });
    const { problems, tree } = load(d, {});
    expect(problems).toEqual([
      {
        source: expect.stringMatching(/default\.yaml:2$/),
        path: 'server.__proto__',
        message: 'reserved key name',
      },
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect('polluted' in (tree.server as object)).toBe(false);
  });

  it('reads an empty file as no layer content', () => {
    const d = configDir({ 'config/default.yaml': '# nothing yet\n' });
    expect(load(d, {})).toMatchObject({ problems: [], tree: {} });
  });
});
