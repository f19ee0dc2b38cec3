import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { getCaller } from '../common/request-caller.js';
import { ApiKeyStore } from './api-key-store.js';
import { AuthError, AuthErrorCode } from './auth.error.js';
import { isLoopbackHost } from './loopback.js';

/** Whose usage a caller may read: everyone's, or only its own user's. */
export type UsageScope = { everyone: true } | { everyone: false; userId: string };

/**
 * A key marked `admin: true` reads every user's usage, any other key its own user's (across
 * that user's keys). With authentication off there is no one to tell apart: clients on this
 * machine read everyone's, others nothing — on a public bind (`auth.allowAnonymous`) anyone
 * could otherwise read every user's history.
 */
@Injectable()
export class UsageAccess {
  constructor(private readonly keys: ApiKeyStore) {}

  /** Throws an AuthError for a client that may read no usage at all. */
  scopeOf(req: Request): UsageScope {
    if (!this.keys.enabled) {
      // req.ip is the client behind the proxies `server.trustProxy` names, else the peer.
      if (!isLoopbackHost(req.ip ?? req.socket.remoteAddress ?? ''))
        throw new AuthError(
          AuthErrorCode.ADMIN_KEY_REQUIRED,
          'Reading usage needs an admin API key; with authentication off, only clients on this machine may read it.',
        );
      return { everyone: true };
    }
    const caller = getCaller(req);
    // Read at each call: a key file reloaded since the guard ran has the last word.
    if (this.keys.byId(caller.keyId)?.admin) return { everyone: true };
    return { everyone: false, userId: caller.userId };
  }
}
