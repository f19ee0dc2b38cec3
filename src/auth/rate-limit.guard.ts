import { Inject, Injectable, Logger, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { ThrottlerModuleOptions, ThrottlerRequest, ThrottlerStorage } from '@nestjs/throttler';
import type { Request, Response } from 'express';
import { getCaller } from '../common/request-caller.js';
import { ConfigurationError } from '../configuration/configuration.error.js';
import { LoadedConfiguration } from '../configuration/load-configuration.js';
import { AuditLog } from '../logging/audit-log.js';
import { ModelRouter } from '../router/model-router.service.js';
import { StorageError } from '../storage/storage.error.js';
import { AuthError, AuthErrorCode } from './auth.error.js';
import { trackerOf } from './caller-tracker.js';
import { nestThrottler } from './nest-throttler.js';
import { Public } from './public.decorator.js';
import { rateLimitConfig, type Limits, type RateLimitConfig } from './rate-limit.config.js';
import { TokenLedger, type TokenWindow } from './token-ledger.js';

/** The limits that apply to one request. */
interface Plan {
  logicId?: string;
  tier?: Limits;
  ol?: { id: string; limits: Limits };
}

/** One request window after this request was counted. */
interface Counted {
  limit: number;
  hits: number;
  resetSeconds: number;
  windowMs: number;
  /** The OL of a per-OL limit. */
  logicId?: string;
}

/**
 * @nestjs/throttler's guard, keyed by the authenticated user (IP only when anonymous),
 * with limits from the caller's tier and the requested OL. Every window is counted, then
 * OpenAI's `x-ratelimit-*` headers describe the tightest one, on every response.
 */
@Injectable()
export class RateLimitGuard extends nestThrottler.ThrottlerGuard {
  private readonly log = new Logger('RateLimit');
  private readonly plans = new WeakMap<Request, Plan>();
  private readonly counted = new WeakMap<Request, Counted[]>();
  private readonly limiting: boolean;
  /** Serving unlimited because the store fails (`onStorageError: open`): logged once, not per request. */
  private failingOpen = false;

  constructor(
    @nestThrottler.InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @nestThrottler.InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    @Inject(rateLimitConfig.KEY) private readonly config: RateLimitConfig,
    private readonly router: ModelRouter,
    private readonly ledger: TokenLedger,
    private readonly audit: AuditLog,
    private readonly loaded: LoadedConfiguration,
  ) {
    super(options, storage, reflector);
    this.limiting = config.enabled && (config.tiers.size > 0 || config.ols.size > 0);
  }

  /** Our throttlers come from the rate-limit config, resolved per request from the caller's plan. */
  override async onModuleInit(): Promise<void> {
    if (
      this.config.anonymousTier !== 'default' &&
      !this.config.tiers.has(this.config.anonymousTier)
    ) {
      const path = 'rateLimit.anonymousTier';
      throw new ConfigurationError([
        {
          source: this.loaded.sourceOf(path),
          path,
          message: `no tier '${this.config.anonymousTier}' in rateLimit.tiers`,
        },
      ]);
    }
    const plan = (context: ExecutionContext): Plan =>
      this.plan(context.switchToHttp().getRequest<Request>());
    this.throttlers = [
      {
        name: 'requests',
        limit: (context) => plan(context).tier?.requests ?? 0,
        ttl: (context) => plan(context).tier?.windowMs ?? 0,
        skipIf: (context) => !plan(context).tier,
      },
      {
        name: 'ol',
        limit: (context) => plan(context).ol?.limits.requests ?? 0,
        ttl: (context) => plan(context).ol?.limits.windowMs ?? 0,
        skipIf: (context) => !plan(context).ol,
      },
    ];
    this.commonOptions = {
      getTracker: (req) => trackerOf(req as Request),
      // One window per user across every endpoint (the default key is per route).
      generateKey: (context, tracker, name) =>
        name === 'ol' ? `ol:${plan(context).ol?.id}:${tracker}` : `${name}:${tracker}`,
      setHeaders: false,
    };
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    // Nothing configured to limit: stay off the hot path entirely.
    if (!this.limiting) return true;
    const req = context.switchToHttp().getRequest<Request>();
    const res = context.switchToHttp().getResponse<Response>();
    let tokens: TokenWindow[];
    try {
      if (!(await super.canActivate(context))) return false;
      if (await this.shouldSkip(context)) return true;
      tokens = await this.ledger.windows(req, this.plan(req).logicId);
    } catch (error) {
      if (!(error instanceof StorageError) || this.config.onStorageError === 'closed') throw error;
      if (!this.failingOpen) {
        this.failingOpen = true;
        this.log.error(
          `rate limits not enforced until the store answers again (rateLimit.onStorageError: open): ${error.message}`,
        );
      }
      return true;
    }
    if (this.failingOpen) {
      this.failingOpen = false;
      this.log.log('the store answers again: rate limits enforced');
    }
    const windows = this.counted.get(req) ?? [];
    const tightest = windows.reduce<Counted | undefined>(
      (a, b) => (a && a.limit - a.hits <= b.limit - b.hits ? a : b),
      undefined,
    );
    if (tightest) {
      res.setHeader('x-ratelimit-limit-requests', String(tightest.limit));
      res.setHeader(
        'x-ratelimit-remaining-requests',
        String(Math.max(0, tightest.limit - tightest.hits)),
      );
      res.setHeader('x-ratelimit-reset-requests', duration(tightest.resetSeconds * 1000));
    }
    // The -tokens headers describe the tightest rate; day and month budgets are quotas, not rates.
    const tightestTokens = tokens
      .filter((t) => t.period === 'minute')
      .reduce<TokenWindow | undefined>(
        (a, b) => (a && a.limit - a.used <= b.limit - b.used ? a : b),
        undefined,
      );
    if (tightestTokens) {
      res.setHeader('x-ratelimit-limit-tokens', String(tightestTokens.limit));
      res.setHeader(
        'x-ratelimit-remaining-tokens',
        String(Math.max(0, tightestTokens.limit - tightestTokens.used)),
      );
      res.setHeader('x-ratelimit-reset-tokens', duration(tightestTokens.resetMs));
    }

    const caller = getCaller(req);
    const over = windows.find((w) => w.hits > w.limit);
    if (over) {
      this.audit.record('rate_limit.hit', {
        user: caller.userId,
        keyId: caller.keyId,
        limit: 'requests',
        ol: over.logicId,
      });
      throw new AuthError(
        AuthErrorCode.REQUEST_RATE_EXCEEDED,
        `Rate limit reached for ${subject(caller.userId, over.logicId)} on requests per ${over.windowMs / 1000}s: ` +
          `Limit ${over.limit}. Please try again in ${over.resetSeconds}s.`,
        null,
        over.resetSeconds,
      );
    }
    // Of several spent windows, the one ending last says when the call may be served again.
    const spent = tokens
      .filter((t) => t.used >= t.limit)
      .reduce<TokenWindow | undefined>((a, b) => (a && a.resetMs >= b.resetMs ? a : b), undefined);
    if (spent) {
      const retry = Math.max(1, Math.ceil(spent.resetMs / 1000));
      this.audit.record('rate_limit.hit', {
        user: caller.userId,
        keyId: caller.keyId,
        limit: spent.period === 'minute' ? 'tokens' : `tokens_per_${spent.period}`,
        ol: spent.logicId,
      });
      throw spent.resetsAt
        ? new AuthError(
            AuthErrorCode.TOKEN_BUDGET_SPENT,
            `You exceeded the tokens-per-${spent.period} budget of ${budgetOwner(spent)} for ` +
              `user '${caller.userId}': Limit ${spent.limit}, Used ${spent.used}. ` +
              `It resets at ${spent.resetsAt.toISOString()}, in ${retry}s.`,
            null,
            retry,
          )
        : new AuthError(
            AuthErrorCode.TOKEN_RATE_EXCEEDED,
            `Rate limit reached for ${subject(caller.userId, spent.logicId)} on tokens per min (TPM): ` +
              `Limit ${spent.limit}, Used ${spent.used}. Please try again in ${retry}s.`,
            null,
            retry,
          );
    }
    return true;
  }

  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    return (
      context.getType() !== 'http' ||
      this.reflector.getAllAndOverride(Public, [context.getHandler(), context.getClass()]) === true
    );
  }

  /** Counts the request in one window; the verdict waits until every window is counted. */
  protected override async handleRequest(request: ThrottlerRequest): Promise<boolean> {
    const { context, limit, ttl, throttler, getTracker, generateKey } = request;
    const req = context.switchToHttp().getRequest<Request>();
    const key = generateKey(context, await getTracker(req, context), throttler.name ?? 'requests');
    const record = await this.storageService.increment(
      key,
      ttl,
      limit,
      ttl,
      throttler.name ?? 'requests',
    );
    const list = this.counted.get(req) ?? [];
    list.push({
      limit,
      hits: record.totalHits,
      resetSeconds: record.timeToExpire,
      windowMs: ttl,
      logicId: throttler.name === 'ol' ? this.plan(req).ol?.id : undefined,
    });
    this.counted.set(req, list);
    return true;
  }

  private plan(req: Request): Plan {
    let plan = this.plans.get(req);
    if (plan) return plan;
    const logicId = this.logicOf(req);
    const olLimits = logicId ? this.config.ols.get(logicId) : undefined;
    plan = {
      logicId,
      tier: this.config.tiers.get(getCaller(req).tier ?? 'default'),
      ol: logicId && olLimits ? { id: logicId, limits: olLimits } : undefined,
    };
    this.plans.set(req, plan);
    return plan;
  }

  /** The OL a request's `model` names (already resolved, and allowed, by the ApiKeyGuard). */
  private logicOf(req: Request): string | undefined {
    const model: unknown = (req.body as { model?: unknown } | undefined)?.model;
    return typeof model === 'string' ? this.router.resolve(model).logic.options.id : undefined;
  }
}

function subject(user: string, logicId: string | undefined): string {
  return logicId ? `user '${user}' on model '${logicId}'` : `user '${user}'`;
}

function budgetOwner(window: TokenWindow): string {
  return window.logicId ? `model '${window.logicId}'` : `tier '${window.tier}'`;
}

/** OpenAI's reset format: `1s`, `6m0s`, `250ms`. */
function duration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return h ? `${h}h${m}m${s}s` : m ? `${m}m${s}s` : `${s}s`;
}
