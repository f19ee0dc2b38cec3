import { beforeAll, describe, expect, it } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { ConfigurationError } from '../configuration/configuration.error.js';
import { LoadedConfiguration, loadConfiguration } from '../configuration/load-configuration.js';
import { ToolExecutor } from '../tools/tool-executor.js';
import { ToolRegistry } from '../tools/tool-registry.js';
import { ToolsConfig } from '../tools/tools.config.js';
import { ToolsError, ToolsErrorCode } from '../tools/tools.error.js';
import type { WorkspaceService } from '../tools/workspace.service.js';
import { toolsetsConfig, type ToolsetsConfig } from './toolsets.config.js';
import { ToolsetsService } from './toolsets.service.js';

const OBJECT = { type: 'object', properties: { x: { type: 'string' } } };

function setup(sets: Record<string, string[]>) {
  const registry = new ToolRegistry(undefined as never);
  for (const name of ['read_file', 'list_files', 'calculator', 'http_get']) {
    registry.register({
      name,
      description: `${name} tool`,
      parameters: OBJECT,
      source: 'test',
      run: () => `${name} ran`,
      needsWorkspace: name.endsWith('_file') || name === 'list_files',
    });
  }
  for (const name of ['search', 'fetch']) {
    registry.register({
      name: `docs.${name}`,
      wireName: `docs__${name}`,
      description: `docs ${name}`,
      parameters: { $schema: 'https://json-schema.org/draft/2020-12/schema', ...OBJECT },
      source: 'mcp:docs',
      run: () => `docs ${name} ran`,
    });
  }
  registry.setUnavailable('down.*', "MCP server 'down' is unavailable (spawn ENOENT)");
  const service = new ToolsetsService(
    sets,
    registry,
    new ToolExecutor(new ToolsConfig()),
    {} as WorkspaceService,
    new LoadedConfiguration({}, [], '', new Map([['toolsets', 'app.yaml:4']])),
  );
  const factory = service.forCall({
    signal: new AbortController().signal,
    caller: { userId: 'u' },
  });
  return { service, factory, registry };
}

describe('toolsets', () => {
  beforeAll(() => Logger.overrideLogger(false));

  const load = (toolsets: unknown) =>
    loadConfiguration({ configDir: '/nonexistent', env: {}, override: { toolsets } });

  it('reads the map form of the `toolsets` section from YAML-like config', () => {
    const loaded = load({
      files: ['read_file', 'list_files'],
      math: ['calculator'],
      constructor: ['calculator'],
    });
    const section = loaded.config[toolsetsConfig.path] as ToolsetsConfig;
    expect({ ...section }).toEqual({
      files: ['read_file', 'list_files'],
      math: ['calculator'],
      constructor: ['calculator'],
    });
    expect(Object.getPrototypeOf(section)).toBeNull();
  });

  it('refuses malformed toolsets at load time, naming each bad key', () => {
    const problems = (toolsets: unknown): string[] => {
      try {
        load(toolsets);
      } catch (error) {
        return (error as ConfigurationError).problems.map((p) => `${p.path}: ${p.message}`);
      }
      return [];
    };
    expect(problems({ files: 'read_file' })).toEqual([
      'toolsets.files: expected a non-empty list of tool names; found a string',
    ]);
    expect(problems({ files: [] })).toEqual([
      'toolsets.files: expected a non-empty list of tool names; found a list of 0',
    ]);
    expect(problems({ 'bad name': ['x'] })).toEqual([
      'toolsets.bad name: invalid name: expected letters, digits, "_" or "-" (at most 64)',
    ]);
    expect(problems({ files: ['read_file', 42, ''] })).toEqual([
      'toolsets.files[1]: expected a tool name; found an integer',
      'toolsets.files[2]: expected a tool name; found an empty string',
    ]);
    expect(problems(['calculator'])).toEqual(['toolsets: expected a mapping, found a list of 1']);
  });

  it('selects toolsets, tools and whole MCP servers, in order and without duplicates', () => {
    const { factory } = setup({ files: ['read_file', 'list_files'], math: ['calculator'] });
    expect(factory.select(['math', 'files', 'read_file']).names).toEqual([
      'calculator',
      'read_file',
      'list_files',
    ]);
    expect(factory.select(['docs.*', 'calculator']).names).toEqual([
      'docs.search',
      'docs.fetch',
      'calculator',
    ]);
    expect(factory.select(['docs.fetch']).names).toEqual(['docs.fetch']);
    expect(factory.all().size).toBe(6);
  });

  it('composes with with/without, immutably', () => {
    const { factory } = setup({ files: ['read_file', 'list_files'] });
    const all = factory.all();
    const trimmed = all.without('http_get', 'files');
    expect(trimmed.names).toEqual(['calculator', 'docs.search', 'docs.fetch']);
    expect(trimmed.with('read_file').names).toEqual([
      'calculator',
      'docs.search',
      'docs.fetch',
      'read_file',
    ]);
    expect(all.size).toBe(6);
  });

  it('refuses unknown and unavailable names with a 400-mapped error that says why', () => {
    const { factory } = setup({});
    const attempt = (names: string[]): ToolsError => {
      try {
        factory.select(names);
      } catch (error) {
        return error as ToolsError;
      }
      throw new Error('no error');
    };
    expect(attempt(['nope'])).toMatchObject({
      code: ToolsErrorCode.UNKNOWN_TOOL,
      param: 'model',
      message: "Unknown tool or toolset 'nope'",
    });
    expect(attempt(['down.*']).message).toBe(
      "Tool 'down.*' is unavailable: MCP server 'down' is unavailable (spawn ENOENT)",
    );
    expect(attempt(['down.thing']).message).toMatch(/unavailable/);
    expect(attempt(['nothing.*']).message).toBe("Unknown tool or toolset 'nothing.*'");
  });

  it('produces provider-neutral definitions with model-facing names and no dialect marker', () => {
    const { factory } = setup({});
    expect(factory.select(['calculator', 'docs.search']).definitions()).toEqual([
      {
        type: 'function',
        function: { name: 'calculator', description: 'calculator tool', parameters: OBJECT },
      },
      {
        type: 'function',
        function: { name: 'docs__search', description: 'docs search', parameters: OBJECT },
      },
    ]);
  });

  it('executes only the tools of the set, by model-facing name', async () => {
    const { factory } = setup({});
    const set = factory.select(['calculator', 'docs.*']);
    const call = (name: string) => ({
      id: 'c1',
      type: 'function' as const,
      function: { name, arguments: '{}' },
    });
    expect(await set.execute(call('docs__fetch'))).toEqual({
      role: 'tool',
      tool_call_id: 'c1',
      content: 'docs fetch ran',
    });
    const refused = await set.execute(call('http_get'));
    expect(JSON.parse(String(refused.content))).toEqual({
      error: "unknown tool 'http_get' (tools available: calculator, docs__search, docs__fetch)",
    });
    expect(set.has('docs__search')).toBe(true);
    expect(set.has('docs.search')).toBe(false);
  });

  it('says which tools need a workspace until one is set', () => {
    const { factory } = setup({});
    const set = factory.select(['read_file', 'list_files', 'calculator']);
    expect(set.missingWorkspace()).toEqual(['read_file', 'list_files']);
    expect(set.inWorkspace({ path: '/srv' } as never).missingWorkspace()).toEqual([]);
  });

  it('checks configured toolsets at boot: unknown tools, nesting and clashes fail, unavailable ones are skipped', () => {
    expect(() =>
      setup({
        ok: ['calculator', 'docs.*', 'down.*', 'down.tool'],
      }).service.onApplicationBootstrap(),
    ).not.toThrow();
    const { factory } = setup({ ok: ['calculator', 'down.*'] });
    expect(factory.select(['ok']).names).toEqual(['calculator']);

    let error: unknown;
    try {
      setup({
        a: ['calculator', 'typo_tool'],
        b: ['a'],
        calculator: ['read_file'],
      }).service.onApplicationBootstrap();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).message).toBe(
      [
        'Invalid configuration (4 problems):',
        "  - app.yaml:4: toolsets.a[0]: 'calculator' is a toolset; list its tools instead (toolsets do not nest)",
        "  - app.yaml:4: toolsets.a[1]: unknown tool 'typo_tool'",
        "  - app.yaml:4: toolsets.b[0]: 'a' is a toolset; list its tools instead (toolsets do not nest)",
        '  - app.yaml:4: toolsets.calculator: a tool has the same name; rename the toolset',
      ].join('\n'),
    );
  });
});
