import { describe, expect, it } from '@jest/globals';
import { Module, Scope } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { ToolRegistry } from './tool-registry.js';
import { Tool, type ToolHandler } from './tool.decorator.js';

const ANY = { type: 'object' };

@Tool({ name: 'lookup', description: 'first', parameters: ANY })
class FirstLookup implements ToolHandler {
  run(): string {
    return 'first';
  }
}

@Tool({ name: 'lookup', description: 'second', parameters: ANY })
class SecondLookup implements ToolHandler {
  run(): string {
    return 'second';
  }
}

@Tool({
  name: 'solo',
  description: 'a tool',
  parameters: { type: 'object', properties: { n: { type: 'integer' } } },
})
class Solo implements ToolHandler {
  run(): string {
    return 'solo';
  }
}

@Tool({ name: 'off', description: 'disabled', parameters: ANY })
class Off implements ToolHandler {
  run(): string {
    return 'never';
  }
  disabledReason(): string {
    return 'switched off in config';
  }
}

@Module({ providers: [SecondLookup] })
class ElsewhereModule {}

async function boot(
  providers: Array<new () => unknown>,
  imports: Array<new () => unknown> = [],
): Promise<ToolRegistry> {
  const moduleRef = await Test.createTestingModule({
    imports: [DiscoveryModule, ...imports],
    providers: [ToolRegistry, ...providers],
  }).compile();
  await moduleRef.init();
  return moduleRef.get(ToolRegistry);
}

describe('ToolRegistry', () => {
  it('finds @Tool providers in any module and runs them', async () => {
    const registry = await boot([Solo, FirstLookup]);
    expect(registry.all().map((t) => t.name)).toEqual(['solo', 'lookup']);
    expect(await registry.get('solo')!.run({}, {} as never)).toBe('solo');
    expect(registry.getByWireName('lookup')?.description).toBe('first');
  });

  it('fails the boot when two tools share a name, naming both classes', async () => {
    await expect(boot([FirstLookup], [ElsewhereModule])).rejects.toThrow(
      /"lookup".*(FirstLookup.*SecondLookup|SecondLookup.*FirstLookup)/,
    );
  });

  it('fails the boot for an invalid name, a missing run method, a request scope or a broken schema', async () => {
    @Tool({ name: 'has space', description: '', parameters: ANY })
    class BadName {}
    await expect(boot([BadName])).rejects.toThrow(/invalid name "has space"/);

    @Tool({ name: 'no_run', description: '', parameters: ANY })
    class NoRun {}
    await expect(boot([NoRun])).rejects.toThrow(/no run\(args, ctx\) method/);

    @Tool({
      name: 'broken',
      description: '',
      parameters: { type: 'object', properties: { n: { type: 'no-such-type' } } },
    })
    class Broken implements ToolHandler {
      run(): string {
        return '';
      }
    }
    await expect(boot([Broken])).rejects.toThrow(
      /Tool "broken" \(Broken\): invalid parameters schema/,
    );

    @Tool({ name: 'not_object', description: '', parameters: { type: 'string' } })
    class NotObject implements ToolHandler {
      run(): string {
        return '';
      }
    }
    await expect(boot([NotObject])).rejects.toThrow(
      /parameters must be a JSON Schema of type "object"/,
    );

    const scoped = Test.createTestingModule({
      imports: [DiscoveryModule],
      providers: [ToolRegistry, { provide: Solo, useClass: Solo, scope: Scope.REQUEST }],
    });
    await expect((await scoped.compile()).init()).rejects.toThrow(/must be a singleton/);
  });

  it('leaves a disabled tool out but remembers why, and keeps its name taken', async () => {
    const registry = await boot([Off]);
    expect(registry.get('off')).toBeUndefined();
    expect(registry.whyUnavailable('off')).toBe('switched off in config');
    expect(() =>
      registry.register({
        name: 'off',
        description: '',
        parameters: ANY,
        source: 'test',
        run: () => '',
      }),
    ).toThrow(/share the name "off"/);
  });

  it('registers and removes the tools of a source, with model-facing names and family-wide unavailability', async () => {
    const registry = await boot([Solo]);
    registry.register({
      name: 'srv.a',
      wireName: 'srv__a',
      description: '',
      parameters: ANY,
      source: 'mcp:srv',
      run: () => 'a',
    });
    registry.register({
      name: 'srv.b',
      wireName: 'srv__b',
      description: '',
      parameters: ANY,
      source: 'mcp:srv',
      run: () => 'b',
    });
    expect(registry.withPrefix('srv').map((t) => t.name)).toEqual(['srv.a', 'srv.b']);
    expect(registry.getByWireName('srv__b')?.name).toBe('srv.b');
    expect(() =>
      registry.register({
        name: 'other.a',
        wireName: 'srv__a',
        description: '',
        parameters: ANY,
        source: 'x',
        run: () => '',
      }),
    ).toThrow(/model-facing "srv__a"/);
    expect(() =>
      registry.register({
        name: 'srv.c',
        wireName: 'srv.c',
        description: '',
        parameters: ANY,
        source: 'x',
        run: () => '',
      }),
    ).toThrow(/invalid model-facing name/);

    registry.unregisterSource('mcp:srv');
    registry.setUnavailable('srv.*', 'server down');
    expect(registry.withPrefix('srv')).toEqual([]);
    expect(registry.whyUnavailable('srv.a')).toBe('server down');
    expect(registry.whyUnavailable('srv.*')).toBe('server down');
    expect(registry.whyUnavailable('solo')).toBeUndefined();
  });
});
