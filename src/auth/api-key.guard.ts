import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { setCaller } from '../common/request-caller.js';
import { AuditLog } from '../logging/audit-log.js';
import type { CallerIdentity } from '../orchestration/orchestration-logic.js';
import { ModelRouter } from '../router/model-router.service.js';
import { ApiKeyStore } from './api-key-store.js';
import { authConfig, type AuthConfig, type ForwardedUserHeaders } from './auth.config.js';
import { AuthError, AuthErrorCode } from './auth.error.js';
import { ModelAccess } from './model-access.service.js';
import { Public } from './public.decorator.js';
import { rateLimitConfig, type RateLimitConfig } from './rate-limit.config.js';

const BEARER = /^Bearer\s+(\S+)\s*$/i;
/** Forwarded ids are opaque tokens to us: bounded, printable, or ignored. */
const FORWARDED_VALUE = /^\P{Cc}{1,256}$/u;

/**
 * Global guard (C12): establishes who calls (API key → CallerIdentity for everything
 * downstream), then, for any request whose body names a `model`, whether they may use it.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeyStore,
    private readonly access: ModelAccess,
    private readonly router: ModelRouter,
    private readonly audit: AuditLog,
    @Inject(authConfig.KEY) private readonly config: AuthConfig,
    @Inject(rateLimitConfig.KEY) private readonly limits: RateLimitConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.reflector.getAllAndOverride(Public, [context.getHandler(), context.getClass()]))
      return true;
    const req = context.switchToHttp().getRequest<Request>();
    // The request's log line reads who called from here too (`getCaller`).
    const caller = this.authenticate(req);
    setCaller(req, caller);
    const model: unknown = (req.body as { model?: unknown } | undefined)?.model;
    // Router errors (malformed URN 400, unknown model 404) surface here as they are.
    if (typeof model === 'string') await this.access.check(caller, this.router.resolve(model));
    return true;
  }

  private authenticate(req: Request): CallerIdentity {
    if (!this.keys.enabled) return { userId: 'anonymous', tier: this.limits.anonymousTier };
    const presented = presentedKey(req);
    if (!presented) {
      this.audit.record('auth.failed', { reason: 'missing', ip: req.ip, path: req.path });
      throw new AuthError(
        AuthErrorCode.MISSING_KEY,
        "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
      );
    }
    const result = this.keys.authenticate(presented);
    if (!result.ok) {
      this.audit.record('auth.failed', {
        reason: result.reason,
        ...(result.reason === 'disabled' ? { keyId: result.keyId } : {}),
        ip: req.ip,
        path: req.path,
      });
      throw new AuthError(AuthErrorCode.INVALID_KEY, 'Incorrect API key provided.');
    }
    const { key } = result;
    const caller: CallerIdentity = { userId: key.user, keyId: key.id, tier: key.tier };
    if (key.trustForwardedUser)
      Object.assign(caller, forwardedUser(req, this.config.forwardedUserHeaders));
    return caller;
  }
}

/** `Authorization: Bearer <key>`, else the `api-key` / `x-api-key` headers some clients send. */
function presentedKey(req: Request): string | undefined {
  const authorization = req.headers.authorization;
  if (authorization) return BEARER.exec(authorization)?.[1];
  for (const name of ['api-key', 'x-api-key']) {
    const value = req.headers[name];
    if (typeof value === 'string' && value.trim()) return value.trim();
  }
  return undefined;
}

/** The end user and conversation a trusted front end (Open WebUI) forwards. */
function forwardedUser(
  req: Request,
  headers: ForwardedUserHeaders,
): Pick<CallerIdentity, 'endUser' | 'endUserRole' | 'conversationId'> {
  const read = (name: string): string | undefined => {
    const value = req.headers[name.toLowerCase()];
    return typeof value === 'string' && FORWARDED_VALUE.test(value) ? value : undefined;
  };
  const endUser = read(headers.id) ?? read(headers.email) ?? read(headers.name);
  // A role means something only for the user it came with.
  const endUserRole = endUser ? read(headers.role) : undefined;
  const conversationId = read(headers.chatId);
  return {
    ...(endUser ? { endUser } : {}),
    ...(endUserRole ? { endUserRole } : {}),
    ...(conversationId ? { conversationId } : {}),
  };
}
