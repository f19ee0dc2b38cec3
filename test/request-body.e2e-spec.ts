import { connect, type Socket } from 'node:net';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startApp, type TestApp } from './support/test-app.js';

/**
 * How request bodies are read: JSON in UTF-8, plain or compressed, refused with a 413 the
 * moment it passes `server.bodyLimit` — also while a chunked upload is still coming.
 */

const LIMIT = 64 * 1024;
const ECHO = { model: 'urn:mvp:echo', messages: [{ role: 'user', content: 'hi there' }] };
let t: TestApp;

beforeAll(async () => {
  t = await startApp({ config: { server: { bodyLimit: '64kb' } } });
});
afterAll(() => t.close());

async function post(
  body: string | Buffer,
  headers: Record<string, string>,
): Promise<{ status: number; json: { error?: { code: string | null; message: string } } }> {
  const res = await fetch(`${t.url}/v1/chat/completions`, { method: 'POST', headers, body });
  return { status: res.status, json: (await res.json()) as never };
}

describe('accepted bodies', () => {
  const json = JSON.stringify(ECHO);

  it.each([
    ['identity', Buffer.from(json), {}],
    ['gzip', gzipSync(json), { 'content-encoding': 'gzip' }],
    ['deflate', deflateSync(json), { 'content-encoding': 'deflate' }],
    ['br', brotliCompressSync(json), { 'content-encoding': 'br' }],
  ])('%s, as application/json', async (_name, body, encoding) => {
    const res = await post(body, { 'content-type': 'application/json', ...encoding });
    expect(res.status).toBe(200);
    expect(JSON.stringify(res.json)).toContain('hi there');
  });

  it('with a byte order mark, in UTF-8 or UTF-16, or an empty Content-Encoding', async () => {
    const ok = async (body: Buffer, headers: Record<string, string>) =>
      expect((await post(body, { 'content-type': 'application/json', ...headers })).status).toBe(
        200,
      );
    await ok(Buffer.from(`\uFEFF${json}`), {});
    await ok(Buffer.from(`\uFEFF${json}`, 'utf16le'), {
      'content-type': 'application/json; charset=utf-16le',
    });
    await ok(Buffer.from(json), { 'content-encoding': '' });
  });

  it.each([
    'application/json; charset=utf-8',
    'application/json;charset="UTF-8"',
    'application/vnd.x+json',
  ])('as %s', async (type) => {
    expect((await post(json, { 'content-type': type })).status).toBe(200);
  });
});

describe('refused bodies', () => {
  it.each([
    [
      'a charset other than UTF-8',
      { 'content-type': 'application/json; charset=latin1' },
      415,
      'unsupported_media_type',
    ],
    [
      'an unknown content encoding',
      { 'content-type': 'application/json', 'content-encoding': 'compress' },
      415,
      'unsupported_media_type',
    ],
    [
      'gzip that does not inflate',
      { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      400,
      'invalid_json',
    ],
  ])('%s', async (_name, headers, status, code) => {
    const res = await post(JSON.stringify(ECHO), headers);
    expect(res.status).toBe(status);
    expect(res.json.error?.code).toBe(code);
  });

  it('a body that is not sent as JSON is a 400 saying how to send it', async () => {
    const res = await post(JSON.stringify(ECHO), { 'content-type': 'text/plain' });
    expect(res.status).toBe(400);
    expect(res.json.error?.message).toContain('Content-Type: application/json');
  });

  it('a charset JSON does not come in is a 415', async () => {
    const res = await post(JSON.stringify(ECHO), {
      'content-type': 'application/json; charset=utf-32',
    });
    expect(res.status).toBe(415);
  });

  it('a compressed body is measured on the wire too', async () => {
    // Empty gzip members: twice the limit sent, nothing once inflated.
    const empty = gzipSync(Buffer.alloc(0));
    const members = Buffer.concat(
      Array.from({ length: (2 * LIMIT) / empty.length + 1 }, () => empty),
    );
    const conn = new Connection(t.url);
    try {
      conn.write(
        'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n',
      );
      conn.write(`${members.length.toString(16)}\r\n`);
      conn.write(members);
      conn.write('\r\n0\r\n\r\n');
      expect(await conn.responses(1)).toMatch(/^HTTP\/1\.1 413 /);
    } finally {
      conn.close();
    }
  });

  it('a compressed body is measured inflated', async () => {
    const big = JSON.stringify({
      ...ECHO,
      messages: [{ role: 'user', content: 'x'.repeat(LIMIT) }],
    });
    const res = await post(gzipSync(big), {
      'content-type': 'application/json',
      'content-encoding': 'gzip',
    });
    expect(res.status).toBe(413);
    expect(res.json.error?.code).toBe('request_too_large');
  });
});

/** A keep-alive connection to the app, read as it comes. */
class Connection {
  private readonly socket: Socket;
  private received = '';
  private waiters: Array<() => void> = [];

  constructor(url: string) {
    const { hostname, port } = new URL(url);
    this.socket = connect(Number(port), hostname);
    this.socket.setEncoding('latin1');
    // A reset is how a cut connection may end: `closed` reports it.
    this.socket.on('error', () => undefined);
    this.socket.on('data', (text: string) => {
      this.received += text;
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Resolves with what came so far once it holds `count` responses with bodies. */
  async responses(count: number, timeoutMs = 3_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (
      (this.received.match(/HTTP\/1\.1 \d{3} /g) ?? []).length < count ||
      !this.complete(count)
    ) {
      if (Date.now() > deadline)
        throw new Error(`no ${count} responses in ${timeoutMs} ms: ${this.received.slice(0, 400)}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
    return this.received;
  }

  close(): void {
    this.socket.destroy();
  }

  /** Resolves when the server closes the connection; fails after `timeoutMs`. */
  closed(timeoutMs = 3_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the connection stayed open')), timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        resolve();
      };
      if (this.socket.closed) return done();
      this.socket.once('close', done);
    });
  }

  private complete(count: number): boolean {
    const lengths = [...this.received.matchAll(/content-length: (\d+)\r\n(?:.*\r\n)*?\r\n/gi)];
    if (lengths.length < count) return false;
    const last = lengths[count - 1];
    return this.received.length >= last.index + last[0].length + Number(last[1]);
  }
}

describe('a chunked upload over the limit', () => {
  it('is answered with a 413 while the client is still sending, and the connection stays usable', async () => {
    const conn = new Connection(t.url);
    try {
      conn.write(
        'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n',
      );
      const piece = `{"model":"urn:mvp:echo","messages":[{"role":"user","content":"${'x'.repeat(LIMIT)}`;
      conn.write(`${piece.length.toString(16)}\r\n${piece}\r\n`);
      // The upload is not finished: the answer comes anyway.
      const first = await conn.responses(1);
      expect(first).toMatch(/^HTTP\/1\.1 413 /);
      expect(first).toContain('request_too_large');
      expect(first).not.toMatch(/connection: close/i);

      // The rest of the upload is dropped, and the next request on the connection answered.
      const rest = `${'y'.repeat(1000)}"}]}`;
      const next = JSON.stringify(ECHO);
      conn.write(`${rest.length.toString(16)}\r\n${rest}\r\n0\r\n\r\n`);
      conn.write(
        `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${next.length}\r\n\r\n${next}`,
      );
      const both = await conn.responses(2);
      expect(both.slice(first.length)).toMatch(/HTTP\/1\.1 200 /);
      expect(both).toContain('hi there');
    } finally {
      conn.close();
    }
  });

  it('is cut off when the client goes on sending far past the limit after its 413', async () => {
    const conn = new Connection(t.url);
    try {
      conn.write(
        'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n',
      );
      const piece = 'x'.repeat(LIMIT + 1);
      conn.write(`${piece.length.toString(16)}\r\n${piece}\r\n`);
      expect(await conn.responses(1)).toMatch(/^HTTP\/1\.1 413 /);
      for (let i = 0; i < 3; i++) conn.write(`${piece.length.toString(16)}\r\n${piece}\r\n`);
      await conn.closed();
    } finally {
      conn.close();
    }
  });

  it('cut off by the client mid-upload leaves the server serving', async () => {
    const conn = new Connection(t.url);
    conn.write(
      'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n',
    );
    const part = gzipSync(JSON.stringify(ECHO)).subarray(0, 10).toString('latin1');
    conn.write(`${part.length.toString(16)}\r\n${part}\r\n`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    conn.close();
    const res = await post(JSON.stringify(ECHO), { 'content-type': 'application/json' });
    expect(res.status).toBe(200);
  });
});
