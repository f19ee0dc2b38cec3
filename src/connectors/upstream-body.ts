import type { Dispatcher } from 'undici';
import type { ChatEvent } from '../common/chat.types.js';
import type { UpstreamErrors } from './upstream-errors.js';

type Body = Dispatcher.ResponseData['body'];

/**
 * Reads an unstreamed answer's JSON body; text that is not JSON is the upstream's fault (502),
 * a cut connection a transport failure.
 */
export async function readJson<T>(
  body: Body,
  signal: AbortSignal,
  errors: UpstreamErrors,
): Promise<T> {
  try {
    return (await body.json()) as T;
  } catch (error) {
    throw (error as Error | undefined)?.name === 'SyntaxError'
      ? errors.malformed('answered with a body that is not JSON')
      : errors.fromTransport(error, signal, true);
  }
}

/**
 * Turns a streamed upstream body into events as it arrives. `translate` reads each piece of
 * text (and `undefined` once the body has ended) into `out`, and says when the answer is
 * complete; events it produced before throwing still go out first. The body is read to its
 * end even after the answer is complete (a body read to its end keeps the connection
 * reusable), and destroyed however reading stops (a consumer that left early closes the
 * upstream request at once). Returns whether the answer completed.
 */
export async function* streamEvents(
  body: Body,
  signal: AbortSignal,
  errors: UpstreamErrors,
  translate: (text: string | undefined, out: ChatEvent[]) => boolean,
): AsyncGenerator<ChatEvent, boolean> {
  const out: ChatEvent[] = [];
  let done = false;
  // Not a generator per piece: pieces come by the dozen per answer, on the hot path.
  const step = (text: string | undefined): { error: unknown } | undefined => {
    try {
      done = translate(text, out);
      return undefined;
    } catch (error) {
      return { error };
    }
  };
  body.setEncoding('utf8');
  try {
    for await (const text of body as AsyncIterable<string>) {
      if (done) continue;
      const failure = step(text);
      for (let i = 0; i < out.length; i++) yield out[i];
      out.length = 0;
      if (failure) throw failure.error;
    }
    if (!done) {
      const failure = step(undefined);
      for (let i = 0; i < out.length; i++) yield out[i];
      if (failure) throw failure.error;
    }
  } catch (error) {
    throw errors.fromTransport(error, signal, true);
  } finally {
    if (!body.destroyed) body.destroy();
  }
  return done;
}
