import type { MappedError } from '../openai-error.js';

/**
 * A failure as a Response object's `error`: OpenAI's `ResponseErrorCode` is a closed set, so
 * the mapped error's code is kept only when it is one (a rate limit); the client's fault is
 * `invalid_prompt`, anything else `server_error`. The message is the mapped (scrubbed) one.
 */
export function responseErrorOf(mapped: MappedError): { code: string; message: string } {
  const { message } = mapped.body.error;
  if (mapped.status === 429) return { code: 'rate_limit_exceeded', message };
  if (mapped.status >= 400 && mapped.status < 500) return { code: 'invalid_prompt', message };
  return { code: 'server_error', message };
}
