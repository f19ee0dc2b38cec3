import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_ENV } from '../configuration/app-env.js';
import { LoadedConfiguration } from '../configuration/load-configuration.js';
import { findSecretRefs, type SecretRef } from './secret-ref.js';
import { Secret } from './secret.js';
import { envNameOf, lookupSecret, type SecretOrigin } from './secret-source.js';
import { secretsConfig, type SecretsConfig } from './secrets.config.js';
import { SecretsError, SecretsErrorCode } from './secrets.error.js';

/** What the audit log may say about a secret: its name and where it came from, never its value. */
export interface SecretOriginRecord {
  name: string;
  from: SecretOrigin;
}

/**
 * Resolves every secret the configuration references, once, at boot (C8). A missing
 * secret stops the boot naming the places tried; values live only in this process's memory.
 */
@Injectable()
export class SecretsService {
  private readonly logger = new Logger(SecretsService.name);
  private readonly secrets = new Map<string, Secret>();
  private readonly originOf = new Map<string, SecretOrigin>();
  /** Every value ever resolved, rotated ones included: a stale value must stay scrubbed. */
  private readonly known = new Set<string>();
  private readonly warned = new Set<string>();
  private readonly listeners = new Set<() => void>();

  constructor(
    @Inject(secretsConfig.KEY) private readonly config: SecretsConfig,
    @Inject(APP_ENV) private readonly env: NodeJS.ProcessEnv,
    loaded: LoadedConfiguration,
  ) {
    const problems: string[] = [];
    for (const [name, paths] of findSecretRefs(loaded.config)) {
      const lookup = lookupSecret(name, this.config.dir, this.env);
      if (lookup.value === undefined) {
        const why = lookup.error ?? `not found; tried ${lookup.tried.join(', ')}`;
        problems.push(`"${name}" (referenced by ${paths.join(', ')}): ${why}`);
        continue;
      }
      this.keep(name, lookup.value, lookup.from!, lookup.tried[0], lookup.looseMode);
    }
    if (problems.length) {
      throw new SecretsError(
        SecretsErrorCode.MISSING,
        `Missing secret${problems.length > 1 ? 's' : ''}:\n${problems.map((m) => `  - ${m}`).join('\n')}`,
      );
    }
  }

  /** The secret a config reference names; it was resolved at boot. */
  get(ref: SecretRef): Secret {
    const secret = this.secrets.get(ref.secret);
    if (!secret) {
      throw new SecretsError(
        SecretsErrorCode.UNRESOLVED,
        `secret "${ref.secret}" was not resolved at boot`,
      );
    }
    return secret;
  }

  /**
   * Resolves a secret that configuration does not reference (e.g. a module's own file
   * such as the API-key list), reading it afresh on each call so a rotated file is seen.
   * Returns undefined when it is nowhere to be found; throws when it is there but unusable.
   */
  resolve(name: string): Secret | undefined {
    const lookup = lookupSecret(name, this.config.dir, this.env);
    if (lookup.error)
      throw new SecretsError(SecretsErrorCode.UNREADABLE, `secret "${name}": ${lookup.error}`);
    if (lookup.value === undefined) return undefined;
    const current = this.secrets.get(name);
    if (current?.reveal() === lookup.value) return current;
    return this.keep(name, lookup.value, lookup.from!, lookup.tried[0], lookup.looseMode);
  }

  /** Every value resolved so far, for the log scrubber. */
  values(): string[] {
    return [...this.known];
  }

  /** Names and origins of the resolved secrets, for the audit log. */
  origins(): SecretOriginRecord[] {
    return [...this.originOf].map(([name, from]) => ({ name, from }));
  }

  /** Calls `listener` whenever a new value is resolved; returns the unsubscribe function. */
  onNewValue(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private keep(
    name: string,
    value: string,
    from: SecretOrigin,
    place: string,
    looseMode?: string,
  ): Secret {
    if (from === 'env') {
      this.warnOnce(
        `${name}:env`,
        `secret "${name}" taken from the environment variable ${envNameOf(name)}; prefer a file in ${this.config.dir}`,
      );
    }
    if (looseMode) {
      this.warnOnce(
        `${name}:mode:${place}`,
        `secret file ${place} is readable by group or others (mode ${looseMode}); chmod 600 it`,
      );
    }
    const secret = new Secret(name, value);
    this.secrets.set(name, secret);
    this.originOf.set(name, from);
    if (!this.known.has(value)) {
      this.known.add(value);
      for (const listener of this.listeners) listener();
    }
    return secret;
  }

  private warnOnce(key: string, message: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.logger.warn(message);
  }
}
