import { IsInt, Max, Min } from 'class-validator';
import { defineConfigSection } from '../../configuration/config-section.js';

/** `responses` in the YAML: stored responses of the Responses API. */
export class ResponsesConfig {
  /** Largest stored response (its JSON with its input, in bytes): a larger one is not kept. */
  @IsInt()
  @Min(1024)
  @Max(67_108_864)
  maxStoredBytes: number = 1_048_576;
}

export const responsesConfig = defineConfigSection('responses', ResponsesConfig);
