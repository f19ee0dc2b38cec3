import { randomUUID } from 'node:crypto';

/** What every chunk (or the one response) of a completion repeats. */
export interface CompletionMeta {
  id: string;
  created: number;
  model: string;
}

export function newCompletionMeta(model: string): CompletionMeta {
  return {
    // randomUUID draws from a cached entropy pool: no syscall per request.
    id: `chatcmpl-${randomUUID().replaceAll('-', '')}`,
    created: Math.floor(Date.now() / 1000),
    model,
  };
}
