import { beforeAll, describe, expect, it } from '@jest/globals';
import { IsBoolean, IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { Expose, Transform } from 'class-transformer';
import { DiscoveryModule } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { LogicRegistry } from '../orchestration/logic-registry.js';
import { OrchestrationService } from '../orchestration/orchestration.service.js';
import { TemplatesService } from '../templates/templates.service.js';
import {
  OrchestrationLogic,
  type ChatEvent,
  type ModelCatalogContext,
  type ModelVariant,
  type OrchestrationLogicHandler,
} from '../orchestration/orchestration-logic.js';
import { ModelRouter } from './model-router.service.js';
import { routerConfig, RouterConfig } from './router.config.js';
import { RouterError, RouterErrorCode } from './router.error.js';

class ViaParams {
  @IsString()
  connector!: string;
}

class Params {
  @IsInt()
  @Min(1)
  @Max(10)
  steps: number = 3;

  @IsOptional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  verbose?: boolean;

  /** Named `max-tokens` in URNs. */
  @IsOptional()
  @Expose({ name: 'max-tokens' })
  @IsInt()
  maxTokens?: number;
}

@OrchestrationLogic({ id: 'loop', params: Params })
class LoopLogic implements OrchestrationLogicHandler<Params> {
  async *run(): AsyncIterable<ChatEvent> {}
  models(): ModelVariant[] {
    return [{}, { params: { steps: '5' } }];
  }
}

@OrchestrationLogic('plain')
class PlainLogic implements OrchestrationLogicHandler {
  async *run(): AsyncIterable<ChatEvent> {}
}

@OrchestrationLogic({ id: 'via', params: ViaParams })
class ViaLogic implements OrchestrationLogicHandler<ViaParams> {
  async *run(): AsyncIterable<ChatEvent> {}
  models({ connectors }: ModelCatalogContext): ModelVariant[] {
    return connectors.names().map((connector) => ({ params: { connector } }));
  }
}

let router: ModelRouter;

beforeAll(async () => {
  const moduleRef = await Test.createTestingModule({
    imports: [DiscoveryModule],
    providers: [
      LogicRegistry,
      ModelRouter,
      LoopLogic,
      PlainLogic,
      ViaLogic,
      { provide: routerConfig.KEY, useValue: new RouterConfig() },
      { provide: TemplatesService, useValue: { addFolder: () => undefined } },
      {
        provide: OrchestrationService,
        useValue: { catalog: { connectors: { names: () => ['a', 'b'], get: () => undefined } } },
      },
    ],
  }).compile();
  await moduleRef.init();
  router = moduleRef.get(ModelRouter);
});

function failure(model: string): RouterError {
  try {
    router.resolve(model);
  } catch (error) {
    if (error instanceof RouterError) return error;
    throw error;
  }
  throw new Error('resolved');
}

describe('ModelRouter', () => {
  it('validates params with the OL DTO, converting types and applying defaults', () => {
    expect(router.resolve('urn:mvp:loop:steps=7:verbose=true').params).toEqual({
      steps: 7,
      verbose: true,
    });
    expect(router.resolve('urn:mvp:loop').params).toEqual({ steps: 3 });
    expect(router.resolve('urn:mvp:loop:max-tokens=40').params).toEqual({
      steps: 3,
      maxTokens: 40,
    });
  });

  it('rejects params the DTO refuses, naming the param', () => {
    const error = failure('urn:mvp:loop:steps=99');
    expect(error.code).toBe(RouterErrorCode.INVALID_PARAM);
    expect(error.message).toContain("'steps'");
    expect(failure('urn:mvp:loop:steps=abc').message).toContain("'steps'");
    expect(failure('urn:mvp:loop:nope=1').message).toMatch(/'nope'.*unknown parameter/);
    for (const key of ['constructor', 'toString', 'valueOf', 'hasOwnProperty']) {
      expect(failure(`urn:mvp:loop:${key}=1`).message).toMatch(/unknown parameter/);
    }
  });

  it('rejects any param for an OL without a params DTO', () => {
    expect(failure('urn:mvp:plain:x=1').code).toBe(RouterErrorCode.INVALID_PARAM);
    expect(router.resolve('urn:mvp:plain').params).toEqual({});
  });

  it('answers an unknown OL as an unknown model', () => {
    expect(failure('urn:mvp:nothing').code).toBe(RouterErrorCode.UNKNOWN_LOGIC);
  });

  it('lists every variant an OL declares', () => {
    expect(router.list().map((m) => m.id)).toEqual([
      'urn:mvp:loop',
      'urn:mvp:loop:steps=5',
      'urn:mvp:plain',
      'urn:mvp:via:connector=a',
      'urn:mvp:via:connector=b',
    ]);
  });
});
