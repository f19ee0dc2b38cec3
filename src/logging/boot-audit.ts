import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { LoadedConfiguration } from '../configuration/load-configuration.js';
import { SecretsService } from '../secrets/secrets.service.js';
import { AuditLog } from './audit-log.js';
import { MIN_SCRUBBED_LENGTH } from './secret-scrubber.js';

/**
 * Records what the service booted with, once the logger exists (configuration and secrets
 * are loaded before it): the config's files and hash, the secrets' names and origins.
 */
@Injectable()
export class BootAudit implements OnApplicationBootstrap {
  private readonly logger = new Logger('Secrets');

  constructor(
    private readonly audit: AuditLog,
    private readonly loaded: LoadedConfiguration,
    private readonly secrets: SecretsService,
  ) {}

  onApplicationBootstrap(): void {
    this.audit.record('config.loaded', { hash: this.loaded.hash, files: this.loaded.sources });
    const secrets = this.secrets.origins();
    this.audit.record('secrets.loaded', { secrets });
    for (const { name } of secrets) {
      if (this.secrets.get({ secret: name }).reveal().length < MIN_SCRUBBED_LENGTH) {
        this.logger.warn(
          `secret "${name}" is shorter than ${MIN_SCRUBBED_LENGTH} characters: it cannot be scrubbed from logs`,
        );
      }
    }
  }
}
