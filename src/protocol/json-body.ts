import type { NextFunction, Request, Response } from 'express';
import { AsyncResource } from 'node:async_hooks';
import type { Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { ProtocolError, ProtocolErrorCode } from './protocol.error.js';

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;
const CHARSET = /;\s*charset\s*=\s*"?([\w-]+)"?/i;
/** The charsets JSON may come in (RFC 8259 wants UTF-8; body-parser also read UTF-16). */
const CHARSETS = new Set(['utf-8', 'utf8', 'utf-16', 'utf-16le', 'utf-16be']);
const INFLATERS: Record<string, () => Transform> = {
  gzip: createGunzip,
  'x-gzip': createGunzip,
  deflate: createInflate,
  br: createBrotliDecompress,
};

/**
 * Reads a JSON request body into `req.body`, refusing it with a 413 as soon as it passes
 * `limitBytes` (on the wire and, for a compressed body, inflated) — a declared
 * `Content-Length` at once, a chunked upload when the limit is crossed, not after the client
 * has sent it all. A refused body's remainder is read and dropped so that the client, still
 * sending, gets its answer. Bodies of other media types are left unread (the route's
 * validation says what it expects). Replaces body-parser, whose layers cost more per request
 * than the reading itself (README, Performance).
 */
export function jsonBody(limitBytes: number) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!hasBody(req)) return next();
    if (Number(req.headers['content-length']) > limitBytes) {
      // Nothing of it is read: the connection cannot carry another request.
      res.setHeader('Connection', 'close');
      return next(tooLarge(limitBytes));
    }
    const contentType = req.headers['content-type'];
    if (contentType === undefined || !JSON_TYPE.test(contentType)) return next();
    const charset = CHARSET.exec(contentType)?.[1].toLowerCase() ?? 'utf-8';
    if (!CHARSETS.has(charset))
      return next(unsupported(`Unsupported charset "${charset}": send the body as UTF-8.`));
    const encoding = req.headers['content-encoding']?.trim().toLowerCase() || 'identity';
    const inflate = encoding === 'identity' ? undefined : INFLATERS[encoding];
    if (encoding !== 'identity' && !inflate)
      return next(unsupported(`Unsupported content encoding "${encoding}".`));
    // The rest of the request runs in the async context it came with (its log's reqId), not
    // in that of the socket's last data event (runInAsyncScope: `bind` costs several times more).
    const context = new AsyncResource('JSON_BODY');
    read(req, inflate?.(), limitBytes, charset, (outcome) =>
      context.runInAsyncScope(() => {
        if ('error' in outcome) return next(outcome.error);
        try {
          req.body = parseObjectOrArray(outcome.text);
        } catch {
          return next(invalidJson());
        }
        next();
      }),
    );
  };
}

/** Whether the request says it carries a body (as Node frames it). */
function hasBody(req: Request): boolean {
  return (
    req.headers['transfer-encoding'] !== undefined || req.headers['content-length'] !== undefined
  );
}

type Outcome = { text: string } | { error: ProtocolError };

/**
 * Reads the body (through `inflater` when compressed) up to `limitBytes`, on the wire and
 * inflated. `done` is not called when the client goes away mid-upload: there is no one left
 * to answer.
 */
function read(
  req: Request,
  inflater: Transform | undefined,
  limitBytes: number,
  charset: string,
  done: (outcome: Outcome) => void,
): void {
  const source = inflater ? req.pipe(inflater) : req;
  const chunks: Buffer[] = [];
  let length = 0;
  let wire = 0;
  let settled = false;
  const settle = (outcome?: Outcome): void => {
    if (settled) return;
    settled = true;
    source.off('data', onData).off('end', onEnd);
    if (inflater) {
      req.off('data', onWire).unpipe(inflater);
      inflater.destroy();
    }
    if (!outcome) return;
    if ('error' in outcome) drain(req, limitBytes);
    done(outcome);
  };
  const onWire = (chunk: Buffer): void => {
    wire += chunk.length;
    if (wire > limitBytes) settle({ error: tooLarge(limitBytes) });
  };
  const onData = (chunk: Buffer): void => {
    length += chunk.length;
    if (length <= limitBytes) chunks.push(chunk);
    else settle({ error: tooLarge(limitBytes) });
  };
  const onEnd = (): void => settle({ text: decode(Buffer.concat(chunks, length), charset) });
  source.on('data', onData).on('end', onEnd);
  if (inflater) req.on('data', onWire);
  // A client gone mid-upload.
  req.once('error', () => settle());
  // Stays on after settling: a destroyed inflater may still err, with no one else to tell.
  inflater?.on('error', () =>
    settle({ error: invalidJson('The request body could not be decompressed.') }),
  );
}

/**
 * What is left of a refused body is read and dropped as it comes: the client, maybe still
 * sending, gets its answer meanwhile, and the connection stays usable — up to another
 * `limitBytes`, past which the connection is cut rather than read for ever.
 */
function drain(req: Request, limitBytes: number): void {
  let dropped = 0;
  req.on('data', (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > limitBytes) req.socket.destroy();
  });
  req.resume();
}

/** The text, without the byte order mark some clients (PowerShell, .NET) put first. */
function decode(bytes: Buffer, charset: string): string {
  const text = charset.startsWith('utf-16')
    ? new TextDecoder(charset).decode(bytes)
    : bytes.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** `JSON.parse`, as strict as body-parser: only an object or an array at the top. */
function parseObjectOrArray(text: string): unknown {
  if (text.length === 0) return {};
  const first = /\S/.exec(text)?.[0];
  if (first !== '{' && first !== '[') throw new SyntaxError('not an object or an array');
  return JSON.parse(text);
}

function tooLarge(limitBytes: number): ProtocolError {
  return new ProtocolError(
    ProtocolErrorCode.BODY_TOO_LARGE,
    `The request body is too large (limit: ${limitBytes} bytes).`,
  );
}

function invalidJson(
  message = 'We could not parse the JSON body of your request. The OpenAI API expects a JSON payload.',
): ProtocolError {
  return new ProtocolError(ProtocolErrorCode.INVALID_JSON, message);
}

function unsupported(message: string): ProtocolError {
  return new ProtocolError(ProtocolErrorCode.UNSUPPORTED_MEDIA_TYPE, message);
}
