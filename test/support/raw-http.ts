import { connect } from 'node:net';

/** What came back on the wire, undecoded beyond the HTTP framing. */
export interface RawResponse {
  status: number;
  /** Lower-case names; a repeated header keeps its values joined by ', '. */
  headers: Record<string, string>;
  /** The body as text (chunked framing removed). */
  text: string;
}

/**
 * Sends exact bytes over a fresh TCP connection and reads the response until the server
 * closes it: bodies and framings HTTP clients would not send (a lying or huge
 * `Content-Length`, hand-made chunked framing, bytes that are not UTF-8). Fails — never
 * waits longer — when no complete response came within `timeoutMs`.
 */
export function rawRequest(
  url: string,
  request: string | Buffer,
  { timeoutMs = 5_000 }: { timeoutMs?: number } = {},
): Promise<RawResponse> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(Number(port), hostname);
    let settled = false;
    const settle = (error?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      // A reset after the response came (the server closed with request bytes unread)
      // leaves that response to read.
      if (error && !chunks.length) return reject(error);
      try {
        resolve(parse(Buffer.concat(chunks)));
      } catch (parseError) {
        reject(error ?? (parseError as Error));
      }
    };
    const timer = setTimeout(() => {
      const received = Buffer.concat(chunks).subarray(0, 200).toString('latin1');
      settle(
        new Error(`no complete response within ${timeoutMs} ms (got ${JSON.stringify(received)})`),
      );
    }, timeoutMs);
    socket.on('connect', () => socket.write(request));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => settle());
    socket.on('error', (error) => settle(error));
    socket.on('close', () => settle(new Error('connection closed without a response')));
  });
}

/** A request head with `Connection: close` and CRLFs, for `rawRequest`. */
export function head(method: string, target: string, headers: Array<[string, string]>): string {
  const lines = [`${method} ${target} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close'];
  for (const [name, value] of headers) lines.push(`${name}: ${value}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

function parse(data: Buffer): RawResponse {
  const end = data.indexOf('\r\n\r\n');
  if (end < 0) throw new Error(`not an HTTP response: ${JSON.stringify(data.toString('latin1'))}`);
  const [statusLine, ...lines] = data.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1]);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = Object.hasOwn(headers, name) ? `${headers[name]}, ${value}` : value;
  }
  let body = data.subarray(end + 4);
  if (/chunked/i.test(headers['transfer-encoding'] ?? '')) body = unchunk(body);
  return { status, headers, text: body.toString('utf8') };
}

function unchunk(data: Buffer): Buffer {
  const out: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = data.indexOf('\r\n', at);
    if (eol < 0) break;
    const size = parseInt(data.subarray(at, eol).toString('latin1'), 16);
    if (!size) break;
    out.push(data.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
  return Buffer.concat(out);
}
