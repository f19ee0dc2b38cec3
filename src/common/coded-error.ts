/**
 * Base of every module's own error class: a closed `code` enum per module lets the protocol
 * layer map each case to an HTTP status and OpenAI error body with an exhaustive switch.
 */
export abstract class CodedError<Code extends string> extends Error {
  constructor(
    readonly code: Code,
    message: string,
    /** The request parameter at fault, reported as OpenAI's `error.param`. */
    readonly param: string | null = null,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}
