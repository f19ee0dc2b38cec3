import { timingSafeEqual } from 'node:crypto';
import { existsSync, unwatchFile, watchFile } from 'node:fs';
import { join } from 'node:path';
import {
  Inject,
  Injectable,
  Logger,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { APP_ENV } from '../configuration/app-env.js';
import { ConfigurationError } from '../configuration/configuration.error.js';
import { AuditLog } from '../logging/audit-log.js';
import { serverConfig, type ServerConfig } from '../protocol/server.config.js';
import { envNameOf } from '../secrets/secret-source.js';
import { secretsConfig, type SecretsConfig } from '../secrets/secrets.config.js';
import { SecretsService } from '../secrets/secrets.service.js';
import { parseKeyFile, sha256, type ApiKey } from './api-key-file.js';
import { authConfig, type AuthConfig } from './auth.config.js';
import { isLoopbackHost } from './loopback.js';
import { rateLimitConfig, type RateLimitConfig } from './rate-limit.config.js';

export type Authentication =
  | { ok: true; key: ApiKey }
  | { ok: false; reason: 'unknown' }
  | { ok: false; reason: 'disabled'; keyId: string };

/**
 * The API keys, read from a secret (file first) and re-read when the file changes or on
 * SIGHUP. A reload that fails keeps the last good set. With no key secret anywhere,
 * authentication is off — refused at boot on a non-loopback bind unless allowed.
 */
@Injectable()
export class ApiKeyStore implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Auth');
  /** `undefined`: no key secret exists, authentication is off. */
  private keys: ApiKey[] | undefined;
  private lastContent: string | undefined;
  private watched: string | undefined;
  private readonly onSighup = (): void => void this.reload('SIGHUP');

  constructor(
    @Inject(authConfig.KEY) private readonly config: AuthConfig,
    @Inject(secretsConfig.KEY) private readonly secrets: SecretsConfig,
    @Inject(rateLimitConfig.KEY) private readonly limits: RateLimitConfig,
    @Inject(serverConfig.KEY) private readonly server: ServerConfig,
    @Inject(APP_ENV) private readonly env: NodeJS.ProcessEnv,
    private readonly secretsService: SecretsService,
    private readonly audit: AuditLog,
  ) {
    // At construction, so a refusal stops the app's creation (main prints it without a stack).
    this.loadAtBoot();
  }

  onModuleInit(): void {
    // Watched even when absent: creating the file later turns authentication on.
    this.watched = this.filePath();
    watchFile(this.watched, { interval: this.config.reloadIntervalMs, persistent: false }, () =>
      this.reload('file change'),
    );
    process.on('SIGHUP', this.onSighup);
  }

  private loadAtBoot(): void {
    const content = this.read();
    if (content !== undefined) {
      const parsed = parseKeyFile(content, this.tiers());
      if (!parsed.ok) {
        throw new ConfigurationError(
          parsed.problems.map((message) => ({ source: this.where(), path: 'keys', message })),
        );
      }
      this.apply(parsed.keys, parsed.plaintext, content);
    } else {
      this.refuseAnonymousPublicBind();
    }
  }

  onModuleDestroy(): void {
    if (this.watched) unwatchFile(this.watched);
    process.off('SIGHUP', this.onSighup);
  }

  /** False while no key secret exists (loopback or `auth.allowAnonymous`). */
  get enabled(): boolean {
    return this.keys !== undefined;
  }

  /**
   * Compares the presented key's SHA-256 with every stored digest in constant time, with
   * no early exit, so neither the timing nor the work done tells which key (if any) matched.
   */
  authenticate(presented: string): Authentication {
    const digest = sha256(presented);
    let found: ApiKey | undefined;
    for (const key of this.keys ?? []) {
      if (timingSafeEqual(digest, key.digest)) found = key;
    }
    if (!found) return { ok: false, reason: 'unknown' };
    if (found.disabled) return { ok: false, reason: 'disabled', keyId: found.id };
    return { ok: true, key: found };
  }

  byId(id: string | undefined): ApiKey | undefined {
    return id === undefined ? undefined : this.keys?.find((k) => k.id === id);
  }

  /** Re-reads the key secret; on any fault keeps the current keys. Returns whether it applied. */
  reload(trigger: string): boolean {
    let content: string | undefined;
    try {
      content = this.read();
    } catch (error) {
      return this.reject(trigger, [(error as Error).message]);
    }
    if (content === undefined) {
      if (this.keys === undefined) return false;
      return this.reject(trigger, [`the key secret is gone (${this.where()})`]);
    }
    if (content === this.lastContent) return false;
    const parsed = parseKeyFile(content, this.tiers());
    if (!parsed.ok) return this.reject(trigger, parsed.problems);
    const wasOff = this.keys === undefined;
    this.apply(parsed.keys, parsed.plaintext, content);
    this.audit.record('keys.reloaded', { trigger, keys: parsed.keys.length });
    if (wasOff) this.logger.warn('API keys appeared: authentication is now on');
    return true;
  }

  private apply(keys: ApiKey[], plaintext: number, content: string): void {
    this.keys = keys;
    this.lastContent = content;
    this.logger.log(`${keys.length} API key(s) loaded (${this.where()})`);
    if (plaintext) {
      this.logger.warn(
        `${plaintext} API key(s) stored in clear: store sha256 instead (npm run keys:create)`,
      );
    }
  }

  private reject(trigger: string, problems: string[]): boolean {
    this.logger.error(
      `API keys not reloaded (${trigger}); keeping the last good set:\n  - ${problems.join('\n  - ')}`,
    );
    this.audit.record('keys.reload_failed', { trigger, problems });
    return false;
  }

  private refuseAnonymousPublicBind(): void {
    const tried = this.where();
    const where = `${this.server.host}:${this.server.port}`;
    if (isLoopbackHost(this.server.host)) {
      this.logger.warn(
        `AUTHENTICATION IS OFF: no API keys (${tried}). Anyone who can reach ${where} may use every OL. ` +
          'This is allowed only on a loopback bind; create keys with `npm run keys:create`.',
      );
      return;
    }
    if (!this.config.allowAnonymous) {
      throw new ConfigurationError([
        {
          source: 'startup check',
          path: 'server.host',
          message:
            `'${this.server.host}' is not a loopback address and no API keys are configured (${tried}): ` +
            'create keys with `npm run keys:create`, or set auth.allowAnonymous: true to serve without authentication',
        },
      ]);
    }
    this.logger.warn(
      `AUTHENTICATION IS OFF on ${where} (auth.allowAnonymous: true): anyone who can reach it may use every OL`,
    );
  }

  /** The key file's content; undefined when the secret exists nowhere; throws when unusable. */
  private read(): string | undefined {
    return this.secretsService.resolve(this.config.keysSecretName)?.reveal();
  }

  /** The file to watch: `<secrets.dir>/<name>`, else the one `$<NAME>_FILE` names. */
  private filePath(): string {
    const inDir = join(this.secrets.dir, this.config.keysSecretName);
    const named = this.env[`${envNameOf(this.config.keysSecretName)}_FILE`];
    return named && !existsSync(inDir) ? named : inDir;
  }

  private where(): string {
    const env = envNameOf(this.config.keysSecretName);
    return `secret "${this.config.keysSecretName}": file ${join(this.secrets.dir, this.config.keysSecretName)}, $${env}_FILE or $${env}`;
  }

  /** The tiers a key may name: the configured ones, and `default` (unlimited unless configured). */
  private tiers(): ReadonlySet<string> {
    return new Set(['default', ...this.limits.tiers.keys()]);
  }
}
