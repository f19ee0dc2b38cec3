import { Injectable, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import picomatch from 'picomatch';
import { AuditLog } from '../logging/audit-log.js';
import type { CallerIdentity } from '../orchestration/orchestration-logic.js';
import {
  ModelRouter,
  type ListedModel,
  type ResolvedModel,
} from '../router/model-router.service.js';
import { AccessPolicyMetadata, type AccessPolicy } from './access-policy.js';
import { ApiKeyStore } from './api-key-store.js';
import { AuthError, AuthErrorCode } from './auth.error.js';

interface RegisteredPolicy {
  applies: (logicId: string) => boolean;
  policy: AccessPolicy;
}

type Verdict = { allowed: true } | { allowed: false; code: AuthErrorCode; reason: string };

/**
 * Which models a caller may use: first the key's OL patterns, then every OL-registered
 * policy that applies. Requests and the model list go through the same checks.
 */
@Injectable()
export class ModelAccess implements OnModuleInit {
  private readonly policies: RegisteredPolicy[] = [];

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly keys: ApiKeyStore,
    private readonly router: ModelRouter,
    private readonly audit: AuditLog,
  ) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders({ metadataKey: AccessPolicyMetadata.KEY })) {
      const options = this.discovery.getMetadataByDecorator(AccessPolicyMetadata, wrapper);
      const name = wrapper.metatype?.name ?? String(wrapper.token);
      if (!options) continue;
      if (!wrapper.isDependencyTreeStatic()) {
        throw new Error(`Access policy ${name} must be a singleton provider, not request-scoped`);
      }
      const policy = wrapper.instance as AccessPolicy;
      if (typeof policy?.canUse !== 'function')
        throw new Error(`Access policy ${name} has no canUse(caller, target) method`);
      if (!options.ols.length) throw new Error(`Access policy ${name} names no OL`);
      this.policies.push({ applies: picomatch(options.ols), policy });
    }
  }

  /** Throws AuthError (404 for a model the key does not cover, 403 for a policy's refusal). */
  async check(caller: CallerIdentity, model: ResolvedModel): Promise<void> {
    const verdict = await this.verdict(caller, model);
    if (verdict.allowed) return;
    this.audit.record('access.denied', {
      user: caller.userId,
      keyId: caller.keyId,
      urn: model.urn,
      reason:
        verdict.code === AuthErrorCode.POLICY_DENIED ? verdict.reason : "not among the key's OLs",
    });
    if (verdict.code === AuthErrorCode.MODEL_NOT_ALLOWED) {
      throw new AuthError(
        verdict.code,
        `The model '${model.urn}' does not exist or you do not have access to it.`,
        'model',
      );
    }
    throw new AuthError(
      verdict.code,
      `Access to the model '${model.urn}' is denied: ${verdict.reason}`,
      'model',
    );
  }

  /** The listed models this caller may use. */
  async visible(caller: CallerIdentity, models: ListedModel[]): Promise<ListedModel[]> {
    const verdicts = await Promise.all(
      models.map((m) => this.verdict(caller, this.router.resolve(m.id))),
    );
    return models.filter((_, i) => verdicts[i].allowed);
  }

  private async verdict(caller: CallerIdentity, model: ResolvedModel): Promise<Verdict> {
    const logicId = model.logic.options.id;
    if (this.keys.enabled) {
      const patterns = this.keys.byId(caller.keyId)?.patterns ?? [];
      const target = { logicId, params: paramStrings(model.params) };
      if (!patterns.some((p) => p.matches(target))) {
        return {
          allowed: false,
          code: AuthErrorCode.MODEL_NOT_ALLOWED,
          reason: 'not allowed by the key',
        };
      }
    }
    for (const { applies, policy } of this.policies) {
      if (!applies(logicId)) continue;
      const decision = await policy.canUse(caller, {
        logicId,
        urn: model.urn,
        params: model.params,
      });
      if (decision === true) continue;
      const reason = decision === false ? 'not allowed for this user' : decision.reason;
      return { allowed: false, code: AuthErrorCode.POLICY_DENIED, reason };
    }
    return { allowed: true };
  }
}

/** The effective URN params (defaults applied) as strings, for glob matching. */
function paramStrings(params: object): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(params)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
      out[key] = String(value);
  }
  return out;
}
