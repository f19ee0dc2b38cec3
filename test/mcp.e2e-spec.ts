import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import OpenAI from 'openai';
import { createApp } from '../src/bootstrap.js';
import { ConfigurationError } from '../src/configuration/configuration.error.js';
import { startOpenAiFake, type OpenAiFake } from './fakes/openai-fake.js';
import { buildFixtureServer } from './fixtures/mcp-server.js';
import { LogCapture } from './support/log-capture.js';
import { startApp, type TestApp } from './support/test-app.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/mcp-server.ts', import.meta.url));
const TOKEN = 'mcp-bearer-token-for-tests';

type Upstream = {
  messages: Array<{ role: string; content?: string }>;
  tools?: Array<{ function: { name: string; parameters: Record<string, unknown> } }>;
};

/** Serves the fixture MCP server over streamable HTTP (stateless), behind a bearer token. */
async function startHttpMcp(): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      res.writeHead(401).end();
      return;
    }
    const mcp = buildFixtureServer();
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on('close', () => void transport.close().then(() => mcp.close()));
    void mcp.connect(transport).then(() => transport.handleRequest(req, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`, server };
}

/**
 * The fixture over streamable HTTP with sessions, as most HTTP MCP servers run; `forget`
 * drops them all, as a restarted server would have.
 */
async function startStatefulHttpMcp(): Promise<{
  url: string;
  server: Server;
  sessions: Map<string, StreamableHTTPServerTransport>;
  forget: () => void;
}> {
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  const server = createServer((req, res) => {
    const id = req.headers['mcp-session-id'];
    const transport = typeof id === 'string' ? sessions.get(id) : undefined;
    if (id !== undefined && !transport) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          jsonrpc: '2.0',
          id: null,
          error: { code: -32001, message: 'Session not found' },
        }),
      );
      return;
    }
    if (!transport) {
      const fresh = new StreamableHTTPServerTransport({
        sessionIdGenerator: randomUUID,
        onsessioninitialized: (sid) => void sessions.set(sid, fresh),
      });
      void buildFixtureServer()
        .connect(fresh)
        .then(() => fresh.handleRequest(req, res));
      return;
    }
    void transport.handleRequest(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
  const forget = (): void => {
    for (const transport of sessions.values()) void transport.close();
    sessions.clear();
  };
  return { url, server, sessions, forget };
}

/** MCP servers from config become ordinary tools named `<server>.<tool>` that the agent can call. */
describe('MCP tool sources', () => {
  let fake: OpenAiFake;
  let app: TestApp;
  let http: { url: string; server: Server };
  let stateful: Awaited<ReturnType<typeof startStatefulHttpMcp>>;

  beforeAll(async () => {
    fake = await startOpenAiFake();
    http = await startHttpMcp();
    stateful = await startStatefulHttpMcp();
    app = await startApp({
      env: { NODE_ENV: 'test', MCP_TOKEN: TOKEN },
      config: {
        connectors: [
          { name: 'fake', provider: 'openai', baseUrl: `${fake.url}/v1`, defaultModel: 'gpt-fake' },
        ],
        tools: {
          mcpServers: [
            { name: 'fixture', command: process.execPath, args: [FIXTURE] },
            { name: 'remote', url: http.url, bearerToken: { secret: 'mcp_token' } },
            { name: 'sessions', url: stateful.url },
            {
              name: 'crashing',
              command: process.execPath,
              args: ['-e', 'console.error("boom: no such server"); process.exit(3)'],
            },
            { name: 'missing', command: '/nonexistent/mcp-server-binary', startTimeoutMs: 2000 },
          ],
        },
        toolsets: { fx: ['fixture.*'], mixed: ['calculator', 'crashing.*'] },
      },
    });
  });

  afterAll(async () => {
    await app.close();
    await fake.close();
    for (const { server } of [http, stateful]) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  const upstream = (from: number): Upstream[] =>
    fake.requests.slice(from).map((r) => r.body as Upstream);
  const tools = (messages: Upstream['messages']): string[] =>
    messages.filter((m) => m.role === 'tool').map((m) => m.content!);

  it('boots although two servers failed, and reports each failure with its reason', () => {
    const errors = app.logs
      .entries()
      .filter((e) => e.context === 'McpTools' && e.level === 50)
      .map((e) => String(e.msg));
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^MCP server crashing failed to start, its tools are absent: .*boom: no such server/,
        ),
        expect.stringMatching(/^MCP server missing failed to start, its tools are absent: /),
      ]),
    );
    expect(app.logs.text()).toMatch(/MCP server fixture: 4 tools/);
    expect(app.logs.text()).toMatch(/MCP server remote: 4 tools/);
  });

  it('lists the stdio server’s tools to the model and runs the calls the agent receives', async () => {
    const from = fake.requests.length;
    fake.script(
      {
        toolCalls: [
          { name: 'fixture__add', arguments: { a: 2, b: 3.5 } },
          { name: 'fixture__greet', arguments: { name: 'Ada' } },
          { name: 'fixture__fail', arguments: {} },
          { name: 'fixture__add', arguments: { a: 'two', b: 3 } },
        ],
      },
      { text: 'Done.' },
    );
    const completion = await app.client.chat.completions.create({
      model: 'urn:mvp:agent:connector=fake:toolset=fx',
      messages: [{ role: 'user', content: 'use the fixture' }],
    });
    expect(completion.choices[0].message.content).toBe('Done.');
    const [first, second] = upstream(from);
    expect(first.tools?.map((t) => t.function.name)).toEqual([
      'fixture__add',
      'fixture__greet',
      'fixture__fail',
      'fixture__unlock',
    ]);
    // The dialect marker is for validators; provider APIs get the bare schema.
    expect(first.tools?.[0].function.parameters).toEqual({
      type: 'object',
      properties: { a: { type: 'number' }, b: { type: 'number' } },
      required: ['a', 'b'],
    });
    const [sum, greeting, failure, invalid] = tools(second.messages);
    expect(sum).toBe('5.5');
    expect(greeting).toBe('Hello, Ada!');
    expect(JSON.parse(failure)).toEqual({ error: 'the fixture tool failed on purpose' });
    expect(JSON.parse(invalid).error).toMatch(
      /invalid arguments for fixture__add: arguments\.a: must be number/,
    );
  });

  it('calls tools of a streamable-HTTP server, authenticated with a bearer token from the secrets', async () => {
    const from = fake.requests.length;
    fake.script(
      { toolCalls: [{ name: 'remote__add', arguments: { a: 40, b: 2 } }] },
      { text: '42' },
    );
    await app.client.chat.completions.create({
      model: 'urn:mvp:agent:connector=fake:toolset=remote.add',
      messages: [{ role: 'user', content: 'add' }],
    });
    expect(upstream(from)[0].tools?.map((t) => t.function.name)).toEqual(['remote__add']);
    expect(tools(upstream(from)[1].messages)).toEqual(['42']);
  });

  it('opens a new session with an HTTP server that no longer knows its own, and the call goes through', async () => {
    const add = async (): Promise<string[]> => {
      const from = fake.requests.length;
      fake.script(
        { toolCalls: [{ name: 'sessions__add', arguments: { a: 40, b: 2 } }] },
        { text: '42' },
      );
      await app.client.chat.completions.create({
        model: 'urn:mvp:agent:connector=fake:toolset=sessions.add',
        messages: [{ role: 'user', content: 'add' }],
      });
      return tools(upstream(from)[1].messages);
    };
    expect(await add()).toEqual(['42']);
    const [before] = stateful.sessions.keys();

    // Lost between two runs: the next call finds out, reconnects, and goes through.
    stateful.forget();
    expect(await add()).toEqual(['42']);
    expect([...stateful.sessions.keys()]).not.toContain(before);
    expect(stateful.sessions.size).toBe(1);

    // Lost within one run: four calls in flight at once find out together and share one
    // new session, and the run's next step (same toolset) uses that one too.
    stateful.forget();
    const from = fake.requests.length;
    const call = { name: 'sessions__add', arguments: { a: 40, b: 2 } };
    fake.script({ toolCalls: [call, call, call, call] }, { toolCalls: [call] }, { text: 'done' });
    const completion = await app.client.chat.completions.create({
      model: 'urn:mvp:agent:connector=fake:toolset=sessions.add',
      messages: [{ role: 'user', content: 'add, many times' }],
    });
    expect(completion.choices[0].message.content).toContain('done');
    const [, second, third] = upstream(from);
    expect(tools(second.messages)).toEqual(['42', '42', '42', '42']);
    expect(tools(third.messages)).toEqual(['42', '42', '42', '42', '42']);
    expect(stateful.sessions.size).toBe(1);
    const lines = app.logs.entries().map((e) => String(e.msg));
    expect(lines).toContain('MCP server sessions no longer knows the session; opening a new one');
    expect(lines).not.toContain('MCP server sessions closed the connection; its tools are gone');
  });

  it('leaves a failed server’s tools out of configured toolsets, and refuses them when named directly', async () => {
    const from = fake.requests.length;
    fake.script({ text: 'just math' });
    await app.client.chat.completions.create({
      model: 'urn:mvp:agent:connector=fake:toolset=mixed',
      messages: [{ role: 'user', content: 'x' }],
    });
    expect(upstream(from)[0].tools?.map((t) => t.function.name)).toEqual(['calculator']);

    const error = (await app.client.chat.completions
      .create({
        model: 'urn:mvp:agent:connector=fake:toolset=crashing.*',
        messages: [{ role: 'user', content: 'x' }],
      })
      .catch((e: unknown) => e)) as InstanceType<typeof OpenAI.BadRequestError>;
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error.message).toMatch(/MCP server 'crashing' is unavailable/);
    expect(error.code).toBe('unknown_tool');
  });

  it('picks up the tools a server adds later (tool-list change notification)', async () => {
    const from = fake.requests.length;
    fake.script({ toolCalls: [{ name: 'fixture__unlock', arguments: {} }] }, { text: 'unlocked' });
    await app.client.chat.completions.create({
      model: 'urn:mvp:agent:connector=fake:toolset=fixture.unlock',
      messages: [{ role: 'user', content: 'unlock' }],
    });
    expect(tools(upstream(from)[1].messages)).toEqual(['unlocked']);

    // The notification arrives asynchronously: retry until the new tool is selectable (a
    // refused request does not reach the fake, so the scripted turn waits for the success).
    fake.script({ text: 'ok' });
    let usable = false;
    for (let i = 0; i < 50 && !usable; i++) {
      usable = await app.client.chat.completions
        .create({
          model: 'urn:mvp:agent:connector=fake:toolset=fixture.extra',
          messages: [{ role: 'user', content: 'x' }],
        })
        .then(
          () => true,
          () => false,
        );
      if (!usable) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(usable).toBe(true);
    expect(fake.lastChat().body).toMatchObject({
      tools: [{ function: { name: 'fixture__extra' } }],
    });
  });
});

describe('an MCP server that goes away', () => {
  let fake: OpenAiFake;
  let app: TestApp;

  beforeAll(async () => {
    fake = await startOpenAiFake();
    app = await startApp({
      config: {
        connectors: [
          { name: 'fake', provider: 'openai', baseUrl: `${fake.url}/v1`, defaultModel: 'gpt-fake' },
        ],
        tools: {
          mcpServers: [
            {
              name: 'phoenix',
              command: process.execPath,
              args: [FIXTURE],
              env: { FIXTURE_CRASHABLE: '1' },
              restartDelayMs: 200,
            },
          ],
        },
      },
    });
  });

  afterAll(async () => {
    await app.close();
    await fake.close();
  });

  const greet = () =>
    app.client.chat.completions.create({
      model: 'urn:mvp:agent:connector=fake:toolset=phoenix.greet',
      messages: [{ role: 'user', content: 'x' }],
    });

  it('is started again, and its tools come back', async () => {
    fake.script({ toolCalls: [{ name: 'phoenix__crash', arguments: {} }] }, { text: 'crashed' });
    await app.client.chat.completions.create({
      model: 'urn:mvp:agent:connector=fake:toolset=phoenix.crash',
      messages: [{ role: 'user', content: 'crash' }],
    });
    // Gone at once: the toolset names a server whose tools are absent.
    let gone = false;
    for (let i = 0; i < 50 && !gone; i++) {
      gone = await greet().then(
        () => false,
        (error: unknown) => /MCP server 'phoenix'/.test((error as Error).message),
      );
      if (!gone) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(gone).toBe(true);

    fake.script({ text: 'back' });
    let back = false;
    for (let i = 0; i < 100 && !back; i++) {
      back = await greet().then(
        () => true,
        () => false,
      );
      if (!back) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(back).toBe(true);
    const lines = app.logs.entries().map((e) => String(e.msg));
    expect(lines).toEqual(
      expect.arrayContaining([
        'MCP server phoenix closed the connection; its tools are gone',
        'MCP server phoenix: starting it again in 200 ms',
        'MCP server phoenix: 5 tools',
      ]),
    );
  });
});

describe('MCP servers configuration', () => {
  it('refuses two servers with one name, and one with both command and url, naming each key', async () => {
    const app = await createApp({
      config: {
        env: { NODE_ENV: 'test' },
        override: {
          tools: {
            mcpServers: [
              { name: 'docs', command: 'true' },
              { name: 'docs', url: 'http://127.0.0.1:1/mcp' },
              { name: 'crm', command: 'true', url: 'http://127.0.0.1:1/mcp' },
            ],
          },
        },
      },
      logDestination: new LogCapture(),
    });
    const error = await app.init().then(
      () => undefined,
      (e: unknown) => e,
    );
    await app.close();
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).problems).toEqual([
      {
        source: 'override',
        path: 'tools.mcpServers[1].name',
        message: 'duplicate name (tools.mcpServers[0] has it too)',
      },
      {
        source: 'override',
        path: 'tools.mcpServers[2]',
        message: 'give either command (stdio) or url (HTTP), not both',
      },
    ]);
  });
});
