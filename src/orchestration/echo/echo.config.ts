import { IsInt, IsString, Max, MaxLength, Min } from 'class-validator';
import { defineLogicConfig } from '../orchestration-logic.js';

/** `ols.echo` in the YAML: how this server lets clients use the echo OL. */
export class EchoConfig {
  /** Largest `delay_ms` URN param accepted here (the param itself stops at 5000). */
  @IsInt()
  @Min(0)
  @Max(5_000)
  maxDelayMs: number = 5_000;

  /** Put before every reply whose URN sets no `prefix`. */
  @IsString()
  @MaxLength(200)
  defaultPrefix: string = '';
}

export const echoConfig = defineLogicConfig('echo', EchoConfig);
