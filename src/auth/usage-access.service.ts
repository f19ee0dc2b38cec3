import { Injectable } from '@nestjs/common';
import type { CallerIdentity } from '../orchestration/orchestration-logic.js';
import { ApiKeyStore } from './api-key-store.js';

/** Whose usage a caller may read: everyone's, or only its own user's. */
export type UsageScope = { everyone: true } | { everyone: false; userId: string };

/**
 * A key marked `admin: true` reads every user's usage, any other key its own user's (across
 * that user's keys). With authentication off there is no one to tell apart: everyone's.
 */
@Injectable()
export class UsageAccess {
  constructor(private readonly keys: ApiKeyStore) {}

  scopeOf(caller: CallerIdentity): UsageScope {
    // Read at each call: a key file reloaded since the guard ran has the last word.
    if (!this.keys.enabled || this.keys.byId(caller.keyId)?.admin) return { everyone: true };
    return { everyone: false, userId: caller.userId };
  }
}
