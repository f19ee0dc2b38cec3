import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { SecretScrubber } from '../logging/secret-scrubber.js';
import { SecretsService } from '../secrets/secrets.service.js';
import { mapError } from './error-mapper.js';
import type { MappedError } from './openai-error.js';

/**
 * What a client is told about an error: `mapError`'s status and body, with every known
 * secret value scrubbed from the message — whatever code wrote it, an OL's included.
 */
@Injectable()
export class ClientErrors implements OnModuleDestroy {
  private readonly scrubber: SecretScrubber;
  private readonly unsubscribe: () => void;

  constructor(secrets: SecretsService) {
    this.scrubber = new SecretScrubber(secrets.values());
    this.unsubscribe = secrets.onNewValue(() => this.scrubber.set(secrets.values()));
  }

  map(error: unknown): MappedError {
    const mapped = mapError(error);
    const message = this.scrubber.scrub(mapped.body.error.message);
    if (message === mapped.body.error.message) return mapped;
    return { ...mapped, body: { error: { ...mapped.body.error, message } } };
  }

  onModuleDestroy(): void {
    this.unsubscribe();
  }
}
