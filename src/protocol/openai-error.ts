/** OpenAI's error body: `{"error":{"message","type","param","code"}}`. */
export interface OpenAiErrorBody {
  error: {
    message: string;
    type: string;
    param: string | null;
    code: string | null;
  };
}

export interface MappedError {
  status: number;
  body: OpenAiErrorBody;
  /** Extra response headers, e.g. `retry-after` on 429. */
  headers?: Record<string, string>;
  /** Whether this is our fault (logged at error level with its stack). */
  internal: boolean;
}

export function openAiError(
  status: number,
  type: string,
  message: string,
  code: string | null = null,
  param: string | null = null,
): MappedError {
  return { status, body: { error: { message, type, param, code } }, internal: status >= 500 };
}
