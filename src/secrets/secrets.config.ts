import { IsOptional, IsString } from 'class-validator';
import { defineConfigSection } from '../configuration/config-section.js';

export class SecretsConfig {
  /** Folder of one-file-per-secret (Docker and Kubernetes mount secrets here). */
  @IsOptional()
  @IsString()
  dir: string = '/run/secrets';
}

export const secretsConfig = defineConfigSection('secrets', SecretsConfig);
