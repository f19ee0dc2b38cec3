import { CodedError } from '../common/coded-error.js';

export enum ToolsErrorCode {
  /** A tool or toolset name (usually from the URN) that does not exist or is unavailable. */
  UNKNOWN_TOOL = 'UNKNOWN_TOOL',
  /** A workspace path outside every configured root, missing, or not a directory. */
  WORKSPACE_DENIED = 'WORKSPACE_DENIED',
}

/**
 * Faults of the tools module that reach the client (bad names, bad workspaces). Faults of
 * a tool call never do: they go back to the model as a tool message.
 */
export class ToolsError extends CodedError<ToolsErrorCode> {}
