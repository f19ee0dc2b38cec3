import { CodedError } from '../common/coded-error.js';

export enum TemplatesErrorCode {
  /** No template of that name in any folder. */
  NOT_FOUND = 'NOT_FOUND',
  /** Rendering failed: an undefined variable, a failing filter. */
  RENDER_FAILED = 'RENDER_FAILED',
}

export class TemplatesError extends CodedError<TemplatesErrorCode> {}
