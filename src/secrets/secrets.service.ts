import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_ENV } from '../configuration/app-env.js';
import { LoadedConfiguration } from '../configuration/load-configuration.js';
import { isSecretRef, type SecretRef } from './secret-ref.js';
import { Secret } from './secret.js';
import { lookupSecret } from './secret-source.js';
import { secretsConfig, type SecretsConfig } from './secrets.config.js';
import { SecretsError, SecretsErrorCode } from './secrets.error.js';

/**
 * Resolves every secret the configuration references, once, at boot (C8). A missing
 * secret stops the boot naming the places tried; values live only in this process's memory.
 */
@Injectable()
export class SecretsService {
  private readonly logger = new Logger(SecretsService.name);
  private readonly secrets = new Map<string, Secret>();

  constructor(
    @Inject(secretsConfig.KEY) private readonly config: SecretsConfig,
    @Inject(APP_ENV) private readonly env: NodeJS.ProcessEnv,
    loaded: LoadedConfiguration,
  ) {
    const missing: string[] = [];
    for (const name of referencedSecrets(loaded.config)) {
      const found = this.load(name);
      if (!found.ok) missing.push(found.why);
    }
    if (missing.length) {
      throw new SecretsError(
        SecretsErrorCode.MISSING,
        `Missing secret${missing.length > 1 ? 's' : ''}:\n${missing.map((m) => `  - ${m}`).join('\n')}`,
      );
    }
    if (this.secrets.size) {
      this.logger.log({ audit: true, secrets: [...this.secrets.keys()] }, 'secrets loaded');
    }
  }

  /** The secret a config reference names; it was resolved at boot. */
  get(ref: SecretRef): Secret {
    const secret = this.secrets.get(ref.secret);
    if (!secret) {
      throw new SecretsError(SecretsErrorCode.UNRESOLVED, `secret "${ref.secret}" was not resolved at boot`);
    }
    return secret;
  }

  /**
   * Resolves a secret that configuration does not reference (e.g. a module's own file
   * such as the API-key list). Returns undefined when it is nowhere to be found.
   */
  resolve(name: string): Secret | undefined {
    const known = this.secrets.get(name);
    if (known) return known;
    const found = this.load(name);
    return found.ok ? found.secret : undefined;
  }

  /** Every resolved value, for the log scrubber. */
  values(): string[] {
    return [...this.secrets.values()].map((s) => s.reveal());
  }

  private load(name: string): { ok: true; secret: Secret } | { ok: false; why: string } {
    const lookup = lookupSecret(name, this.config.dir, this.env);
    if (lookup.value === undefined) {
      return { ok: false, why: `"${name}": tried ${lookup.tried.join(', ')}` };
    }
    if (lookup.from === 'env') {
      this.logger.warn(
        `secret "${name}" taken from the environment variable ${lookup.tried[0].slice(1)}; prefer a file in ${this.config.dir}`,
      );
    }
    if (lookup.looseMode) {
      this.logger.warn(
        `secret file ${lookup.tried[0]} is readable by group or others (mode ${lookup.looseMode}); chmod 600 it`,
      );
    }
    const secret = new Secret(name, lookup.value);
    this.secrets.set(name, secret);
    return { ok: true, secret };
  }
}

function referencedSecrets(node: unknown, found = new Set<string>()): Set<string> {
  if (isSecretRef(node)) found.add(node.secret);
  else if (Array.isArray(node)) node.forEach((v) => referencedSecrets(v, found));
  else if (typeof node === 'object' && node !== null)
    Object.values(node).forEach((v) => referencedSecrets(v, found));
  return found;
}
