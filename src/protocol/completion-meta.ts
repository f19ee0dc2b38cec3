import { randomBytes } from 'node:crypto';

/** What every chunk (or the one response) of a completion repeats. */
export interface CompletionMeta {
  id: string;
  created: number;
  model: string;
}

export function newCompletionMeta(model: string): CompletionMeta {
  return {
    id: `chatcmpl-${randomBytes(18).toString('base64url')}`,
    created: Math.floor(Date.now() / 1000),
    model,
  };
}
