import { isAbsolute } from 'node:path';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { TemplatesService } from '../templates/templates.service.js';
import {
  LogicMetadata,
  type OrchestrationLogicHandler,
  type OrchestrationLogicOptions,
} from './orchestration-logic.js';

export interface RegisteredLogic {
  readonly options: OrchestrationLogicOptions;
  readonly handler: OrchestrationLogicHandler;
}

const LOGIC_ID = /^[a-z0-9][a-z0-9_-]{0,63}$/i;

/** Every `@OrchestrationLogic` provider of the app, found once at boot. */
@Injectable()
export class LogicRegistry implements OnModuleInit {
  private readonly logics = new Map<string, RegisteredLogic>();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly templates: TemplatesService,
  ) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders({ metadataKey: LogicMetadata.KEY })) {
      const options = this.discovery.getMetadataByDecorator(LogicMetadata, wrapper);
      const name = wrapper.metatype?.name ?? String(wrapper.token);
      if (!options) continue;
      if (!LOGIC_ID.test(options.id)) {
        throw new Error(`Orchestration logic ${name}: invalid id "${options.id}"`);
      }
      if (!wrapper.isDependencyTreeStatic()) {
        throw new Error(
          `Orchestration logic "${options.id}" (${name}) must be a singleton provider, not request-scoped`,
        );
      }
      const existing = this.logics.get(options.id);
      if (existing) {
        throw new Error(
          `Two orchestration logics share the id "${options.id}": ${existing.handler.constructor.name} and ${name}`,
        );
      }
      const handler = wrapper.instance as OrchestrationLogicHandler;
      if (typeof handler?.run !== 'function') {
        throw new Error(
          `Orchestration logic "${options.id}" (${name}) has no run(request, ctx) method`,
        );
      }
      if (options.templates !== undefined && !isAbsolute(options.templates)) {
        throw new Error(
          `Orchestration logic "${options.id}" (${name}): its templates folder must be an absolute path`,
        );
      }
      if (options.templates) this.templates.addFolder(options.templates);
      this.logics.set(options.id, { options, handler });
    }
  }

  get(id: string): RegisteredLogic | undefined {
    return this.logics.get(id);
  }

  all(): RegisteredLogic[] {
    return [...this.logics.values()];
  }
}
