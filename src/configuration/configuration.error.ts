import { CodedError } from '../common/coded-error.js';

export enum ConfigurationErrorCode {
  INVALID = 'INVALID',
}

export interface ConfigProblem {
  /** Where the offending key came from: `file:line`, `env PORT`, `override` or `defaults`. */
  source: string;
  /** Dotted key path, e.g. `connectors[1].baseUrl`; empty for a whole-file problem. */
  path: string;
  /** What was expected and what was found — never the value itself (it may be a secret). */
  message: string;
}

/** Thrown at boot when the configuration cannot be used; lists every problem at once. */
export class ConfigurationError extends CodedError<ConfigurationErrorCode> {
  constructor(readonly problems: ConfigProblem[]) {
    super(
      ConfigurationErrorCode.INVALID,
      `Invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems
          .map((p) => `  - ${p.source}: ${p.path ? `${p.path}: ` : ''}${p.message}`)
          .join('\n'),
    );
  }
}
