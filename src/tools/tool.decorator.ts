/**
 * The public API for tool authors: the decorator, the contract a tool implements and the
 * context each call gets. Import from this file only.
 */
import { applyDecorators, Injectable } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import type { CallerIdentity } from '../orchestration/orchestration-logic.js';
import type { Workspace } from './workspace.js';

export type { Workspace } from './workspace.js';

/** A JSON Schema (draft-07 or 2020-12 keywords that ajv understands). */
export type JsonSchema = Record<string, unknown>;

export type JsonValue =
  string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface ToolOptions {
  /** What the model calls: letters, digits, `_`, `-`, at most 64 characters, unique. */
  name: string;
  /** What the model reads to decide when to call it. */
  description: string;
  /** JSON Schema of the arguments object; arguments are validated against it before `run`. */
  parameters: JsonSchema;
  /** Overrides `tools.timeoutMs` for this tool. */
  timeoutMs?: number;
  /** The tool works on files: it needs a workspace (`ctx.workspace` is then always set). */
  needsWorkspace?: boolean;
}

/** What a tool call gets besides its arguments. */
export interface ToolContext {
  /** Aborted on timeout or when the client goes away: stop promptly. */
  readonly signal: AbortSignal;
  /** Who the service is answering (never taken from the model's arguments). */
  readonly caller: CallerIdentity;
  /** The request's workspace, when the OL opened one. */
  readonly workspace?: Workspace;
  /** The model's id for this call. */
  readonly callId: string;
  /** How long this call may run (`tools.timeoutMs` or the tool's own): `signal` aborts then. */
  readonly timeoutMs: number;
}

/** A string goes to the model as is; anything else as JSON. Capped at `tools.maxOutputBytes`. */
export type ToolOutput = string | JsonValue;

export interface ToolHandler<A = Record<string, unknown>> {
  /** Runs with arguments that already passed the schema. Throw `ToolError` to tell the model why it failed. */
  run(args: A, ctx: ToolContext): Promise<ToolOutput> | ToolOutput;
  /** When it returns a reason, the tool is left out of the registry (e.g. disabled by config). */
  disabledReason?(): string | undefined;
}

/**
 * A failure the model should read and may recover from (bad input, missing file). Any
 * other error thrown by a tool is reported to the model the same way, by its message.
 */
export class ToolError extends Error {
  override name = 'ToolError';
}

export const ToolMetadata = DiscoveryService.createDecorator<ToolOptions>();

/**
 * Marks a provider as a tool, found at boot in any module the app imports. Only class
 * providers are found (not `useFactory`/`useValue`), and they must be singletons.
 */
export function Tool(options: ToolOptions): ClassDecorator {
  return applyDecorators(Injectable(), ToolMetadata(options));
}
