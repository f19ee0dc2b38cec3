import type { LoggerService } from '@nestjs/common';
import type { Connector } from './connector.js';
import { ConnectorError, ConnectorErrorCode } from './connector.error.js';

/** The upstream model of a call: the URN's, else the connector's default. */
export function requireModel(connector: Connector, model: string | undefined): string {
  const chosen = model ?? connector.defaultModel;
  if (!chosen) {
    throw new ConnectorError(
      ConnectorErrorCode.NO_MODEL,
      `Connector '${connector.name}' has no defaultModel: name the upstream model in the URN (…:model=<name>)`,
      { param: 'model' },
    );
  }
  return chosen;
}

/** JSON.parse, or undefined for text that is not JSON. */
export function parseJson<T>(text: string): T | undefined {
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

/**
 * Tool-call arguments as the JSON object Anthropic and Ollama take; `""` (what models send
 * for no arguments) is `{}`. Undefined when the text is not a JSON object.
 */
export function argumentsObject(args: string): Record<string, unknown> | undefined {
  if (!args.trim()) return {};
  const value = parseJson<unknown>(args);
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

type LogFn = (message: string, ...rest: unknown[]) => void;

/** The SDKs' logger interface on the app's logger, so their warnings are scrubbed like every line. */
export function sdkLogger(logger: LoggerService): {
  error: LogFn;
  warn: LogFn;
  info: LogFn;
  debug: LogFn;
} {
  const text = (message: string, rest: unknown[]): string =>
    rest.length
      ? `${message} ${rest.map((r) => (typeof r === 'string' ? r : (safeStringify(r) ?? String(r)))).join(' ')}`
      : message;
  return {
    error: (message, ...rest) => logger.error(text(message, rest)),
    warn: (message, ...rest) => logger.warn(text(message, rest)),
    info: (message, ...rest) => logger.log(text(message, rest)),
    debug: (message, ...rest) => logger.debug?.(text(message, rest)),
  };
}

function safeStringify(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}
