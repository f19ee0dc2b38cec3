import { describe, expect, it } from '@jest/globals';
import { Module, Scope } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { TemplatesService } from '../templates/templates.service.js';
import { LogicRegistry } from './logic-registry.js';
import {
  OrchestrationLogic,
  type ChatEvent,
  type OrchestrationLogicHandler,
} from './orchestration-logic.js';

@OrchestrationLogic('twin')
class FirstTwin implements OrchestrationLogicHandler {
  async *run(): AsyncIterable<ChatEvent> {}
}

@OrchestrationLogic('twin')
class SecondTwin implements OrchestrationLogicHandler {
  async *run(): AsyncIterable<ChatEvent> {}
}

@OrchestrationLogic('solo')
class Solo implements OrchestrationLogicHandler {
  async *run(): AsyncIterable<ChatEvent> {}
}

@Module({ providers: [SecondTwin] })
class ElsewhereModule {}

@Module({ imports: [ElsewhereModule] })
class NestedModule {}

const addedFolders: string[] = [];
const templates = { addFolder: (dir: string) => addedFolders.push(dir) };

async function boot(providers: Array<new () => unknown>, imports: Array<new () => unknown> = []) {
  const moduleRef = await Test.createTestingModule({
    imports: [DiscoveryModule, ...imports],
    providers: [LogicRegistry, { provide: TemplatesService, useValue: templates }, ...providers],
  }).compile();
  await moduleRef.init();
  return moduleRef.get(LogicRegistry);
}

describe('LogicRegistry', () => {
  it('finds OLs in the module and in modules it imports, however deep', async () => {
    const registry = await boot([Solo], [NestedModule]);
    expect(
      registry
        .all()
        .map((l) => l.options.id)
        .sort(),
    ).toEqual(['solo', 'twin']);
    expect(registry.get('solo')?.handler).toBeInstanceOf(Solo);
  });

  it('fails the boot when two OLs share an id, naming both', async () => {
    await expect(boot([FirstTwin], [NestedModule])).rejects.toThrow(
      /"twin".*FirstTwin.*SecondTwin|"twin".*SecondTwin.*FirstTwin/,
    );
  });

  it('fails the boot for a request-scoped OL', async () => {
    @OrchestrationLogic('scoped')
    class Scoped implements OrchestrationLogicHandler {
      async *run(): AsyncIterable<ChatEvent> {}
    }
    const moduleRef = Test.createTestingModule({
      imports: [DiscoveryModule],
      providers: [
        LogicRegistry,
        { provide: TemplatesService, useValue: templates },
        { provide: Scoped, useClass: Scoped, scope: Scope.REQUEST },
      ],
    });
    await expect((await moduleRef.compile()).init()).rejects.toThrow(/must be a singleton/);
  });

  it('refuses an id that cannot appear in a URN', async () => {
    @OrchestrationLogic('bad:id')
    class BadId implements OrchestrationLogicHandler {
      async *run(): AsyncIterable<ChatEvent> {}
    }
    await expect(boot([BadId])).rejects.toThrow(/invalid id/);
  });

  it("adds an OL's own templates folder, which must be absolute", async () => {
    @OrchestrationLogic({ id: 'templated', templates: '/opt/ol/templates' })
    class Templated implements OrchestrationLogicHandler {
      async *run(): AsyncIterable<ChatEvent> {}
    }
    await boot([Templated]);
    expect(addedFolders).toContain('/opt/ol/templates');

    @OrchestrationLogic({ id: 'relative', templates: 'templates' })
    class Relative implements OrchestrationLogicHandler {
      async *run(): AsyncIterable<ChatEvent> {}
    }
    await expect(boot([Relative])).rejects.toThrow(/absolute path/);
  });
});
