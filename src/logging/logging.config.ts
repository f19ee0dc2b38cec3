import { IsArray, IsBoolean, IsIn, IsOptional, IsString } from 'class-validator';
import { defineConfigSection } from '../configuration/config-section.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export class LoggingConfig {
  @IsIn(LOG_LEVELS)
  level: (typeof LOG_LEVELS)[number] = 'info';

  /** Human-readable lines through pino-pretty (a dev dependency): for development only. */
  @IsBoolean()
  pretty: boolean = false;

  /** Log message contents of requests. Off by default: prompts are user data. */
  @IsBoolean()
  logContent: boolean = false;

  /** Extra pino redaction paths, added to the built-in ones. */
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  redact: string[] = [];
}

export const loggingConfig = defineConfigSection('logging', LoggingConfig);
