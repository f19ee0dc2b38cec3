import { Inject, Injectable } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { LogicRegistry, type RegisteredLogic } from '../orchestration/logic-registry.js';
import { OrchestrationService } from '../orchestration/orchestration.service.js';
import { routerConfig, type RouterConfig } from './router.config.js';
import { RouterError, RouterErrorCode } from './router.error.js';
import { formatUrn, parseUrn } from './urn.js';

export interface ResolvedModel {
  urn: string;
  logic: RegisteredLogic;
  /** The OL's params DTO instance (or an empty object for an OL without params). */
  params: object;
}

export interface ListedModel {
  id: string;
  ownedBy: string;
}

/** Resolutions are cached by URN: clients send the same `model` on every request. */
const CACHE_LIMIT = 1000;

/** Turns a `model` URN into the OL to run and its validated params (C5). */
@Injectable()
export class ModelRouter {
  private readonly cache = new Map<string, ResolvedModel>();

  constructor(
    private readonly registry: LogicRegistry,
    private readonly orchestration: OrchestrationService,
    @Inject(routerConfig.KEY) private readonly config: RouterConfig,
  ) {}

  resolve(model: string): ResolvedModel {
    const cached = this.cache.get(model);
    if (cached) return cached;
    const { logicId, params } = parseUrn(model, this.config.namespace);
    const logic = this.registry.get(logicId);
    if (!logic) {
      throw new RouterError(
        RouterErrorCode.UNKNOWN_LOGIC,
        `The model '${model}' does not exist: no orchestration logic '${logicId}' (see GET /v1/models)`,
        'model',
      );
    }
    const resolved: ResolvedModel = { urn: model, logic, params: validateParams(logic, params) };
    if (this.cache.size >= CACHE_LIMIT) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(model, resolved);
    return resolved;
  }

  /** Every URN the installed OLs offer, in registration order. */
  list(): ListedModel[] {
    return this.registry.all().flatMap((logic) =>
      (logic.handler.models?.(this.orchestration.catalog) ?? [{}]).map((variant) => ({
        id: formatUrn(this.config.namespace, logic.options.id, variant.params),
        ownedBy: logic.options.ownedBy ?? 'system',
      })),
    );
  }
}

function validateParams(logic: RegisteredLogic, params: Record<string, string>): object {
  const dto = logic.options.params;
  if (!dto) {
    const [key] = Object.keys(params);
    if (key !== undefined) throw invalidParam(logic, key, 'this model takes no parameters');
    return {};
  }
  const instance = plainToInstance(dto, params, {
    enableImplicitConversion: true,
    exposeDefaultValues: true,
  });
  // class-transformer skips a key naming a method of the instance (`constructor`,
  // `toString`…) instead of copying it, so the whitelist below never sees it. (A key the
  // DTO renames with `@Expose({ name })` is not on the instance either, and is fine.)
  const skipped = Object.keys(params).find(
    (key) => !Object.hasOwn(instance, key) && key in instance,
  );
  if (skipped !== undefined) throw invalidParam(logic, skipped, 'unknown parameter');
  const errors = validateSync(instance, { whitelist: true, forbidNonWhitelisted: true });
  if (errors.length) {
    const error = errors[0];
    throw invalidParam(logic, error.property, describeError(error));
  }
  return instance;
}

function describeError(error: ValidationError): string {
  if (error.constraints?.whitelistValidation) return 'unknown parameter';
  const first = Object.values(error.constraints ?? {})[0];
  if (first) return first;
  const child = error.children?.[0];
  return child ? describeError(child) : 'invalid value';
}

function invalidParam(logic: RegisteredLogic, key: string, detail: string): RouterError {
  return new RouterError(
    RouterErrorCode.INVALID_PARAM,
    `Invalid model URN parameter '${key}' for '${logic.options.id}': ${detail}`,
    'model',
  );
}
