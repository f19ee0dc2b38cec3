import { CodedError } from '../common/coded-error.js';

export enum ConfigurationErrorCode {
  INVALID = 'INVALID',
}

export interface ConfigProblem {
  /** The file the offending key came from, or `env`/`defaults` when not from a file. */
  source: string;
  /** Dotted key path, e.g. `connectors[1].baseUrl`. */
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
        problems.map((p) => `  - ${p.source}: ${p.path || '(root)'}: ${p.message}`).join('\n'),
    );
  }
}
