import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ToolContext } from '../tool.decorator.js';
import { HttpGetConfig, ToolsConfig } from '../tools.config.js';
import { HttpGetTool } from './http-get.tool.js';

function tool(http: Partial<HttpGetConfig>): HttpGetTool {
  const config = new ToolsConfig();
  config.http_get = Object.assign(new HttpGetConfig(), http);
  return new HttpGetTool(config);
}

describe('http_get tool', () => {
  let server: Server;
  let port: number;
  const ctx = {
    signal: new AbortController().signal,
    caller: { userId: 'u' },
    callId: 'c',
    timeoutMs: 1000,
  } as ToolContext;
  const tools: HttpGetTool[] = [];
  const make = (http: Partial<HttpGetConfig>): HttpGetTool => {
    const t = tool(http);
    tools.push(t);
    return t;
  };

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/page')
        res.writeHead(200, { 'content-type': 'text/plain' }).end('hello from the page');
      else if (req.url === '/big')
        res.writeHead(200, { 'content-type': 'text/plain' }).end('y'.repeat(5000));
      else if (req.url === '/image')
        res.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.alloc(10));
      else if (req.url === '/to-page') res.writeHead(302, { location: '/page' }).end();
      else if (req.url === '/to-elsewhere')
        res.writeHead(302, { location: 'http://evil.example/' }).end();
      else if (req.url === '/loop') res.writeHead(302, { location: '/loop' }).end();
      else res.writeHead(404, { 'content-type': 'text/plain' }).end('no');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await Promise.all(tools.map((t) => t.onModuleDestroy()));
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('is disabled unless enabled with at least one allowed host', () => {
    expect(tool({}).disabledReason()).toMatch(/tools\.http_get\.enabled/);
    expect(tool({ enabled: true }).disabledReason()).toMatch(/allowHosts is empty/);
    expect(tool({ enabled: true, allowHosts: ['example.com'] }).disabledReason()).toBeUndefined();
  });

  it('refuses hosts that are not allowed, other schemes and credentials in URLs', async () => {
    const t = make({ enabled: true, allowHosts: ['*.example.com', 'localhost'] });
    await expect(t.run({ url: 'http://example.org/' }, ctx)).rejects.toThrow(
      /host example\.org is not in the allowed list/,
    );
    await expect(t.run({ url: 'http://example.com.evil.net/' }, ctx)).rejects.toThrow(
      /not in the allowed list/,
    );
    await expect(t.run({ url: 'file:///etc/passwd' }, ctx)).rejects.toThrow(/only http and https/);
    await expect(t.run({ url: 'http://user:pw@localhost/' }, ctx)).rejects.toThrow(/credentials/);
    await expect(t.run({ url: 'not a url' }, ctx)).rejects.toThrow(/not a valid URL/);
  });

  it('refuses loopback and private addresses by default, by name and as literal IPs', async () => {
    const t = make({ enabled: true, allowHosts: ['localhost', '127.0.0.1', '[::1]', '::1'] });
    await expect(t.run({ url: `http://localhost:${port}/page` }, ctx)).rejects.toThrow(
      /localhost resolves to an internal address/,
    );
    await expect(t.run({ url: `http://127.0.0.1:${port}/page` }, ctx)).rejects.toThrow(
      /127\.0\.0\.1 is an internal address/,
    );
    await expect(t.run({ url: `http://[::1]:${port}/page` }, ctx)).rejects.toThrow(
      /::1 is an internal address/,
    );
  });

  it('refuses internal addresses in every literal form the URL parser accepts', async () => {
    const t = make({
      enabled: true,
      allowHosts: ['127.0.0.1', '0.0.0.0', '::ffff:7f00:1', '::ffff:a9fe:a9fe', '169.254.169.254'],
    });
    for (const url of [
      `http://2130706433:${port}/page`, // decimal
      `http://017700000001:${port}/page`, // octal
      `http://0x7f.1:${port}/page`, // hex, short form
      `http://127.1:${port}/page`,
      `http://0:${port}/page`,
      `http://[::ffff:127.0.0.1]:${port}/page`,
      `http://[0:0:0:0:0:ffff:7f00:1]:${port}/page`,
      'http://[::ffff:169.254.169.254]/latest/meta-data/',
      'http://0251.0376.0251.0376/latest/meta-data/',
    ]) {
      await expect(t.run({ url }, ctx)).rejects.toThrow(
        /is an internal address, which is not allowed/,
      );
    }
  });

  it('fetches text from an allowed host, follows allowed redirects and caps the body', async () => {
    const t = make({
      enabled: true,
      allowHosts: ['127.0.0.1'],
      allowPrivateNetworks: true,
      maxResponseBytes: 100,
    });
    expect(await t.run({ url: `http://127.0.0.1:${port}/page` }, ctx)).toBe(
      'HTTP 200\ncontent-type: text/plain\n\nhello from the page',
    );
    expect(await t.run({ url: `http://127.0.0.1:${port}/to-page` }, ctx)).toMatch(
      /hello from the page$/,
    );
    expect(await t.run({ url: `http://127.0.0.1:${port}/big` }, ctx)).toBe(
      `HTTP 200\ncontent-type: text/plain\n\n${'y'.repeat(100)}\n[body cut]`,
    );
    expect(await t.run({ url: `http://127.0.0.1:${port}/image` }, ctx)).toMatch(
      /image\/png content is not text/,
    );
    expect(await t.run({ url: `http://127.0.0.1:${port}/missing` }, ctx)).toMatch(/^HTTP 404/);
  });

  it('checks every redirect target against the allow-list and bounds redirects', async () => {
    const t = make({ enabled: true, allowHosts: ['127.0.0.1'], allowPrivateNetworks: true });
    await expect(t.run({ url: `http://127.0.0.1:${port}/to-elsewhere` }, ctx)).rejects.toThrow(
      /host evil\.example is not in the allowed list/,
    );
    await expect(t.run({ url: `http://127.0.0.1:${port}/loop` }, ctx)).rejects.toThrow(
      /too many redirects/,
    );
  });
});
