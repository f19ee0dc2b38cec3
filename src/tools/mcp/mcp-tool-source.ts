import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import {
  StreamableHTTPClientTransport,
  StreamableHTTPError,
} from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  ToolListChangedNotificationSchema,
  type CallToolResult,
  type Tool as McpTool,
} from '@modelcontextprotocol/sdk/types.js';
import { ConfigurationError, type ConfigProblem } from '../../configuration/configuration.error.js';
import { LoadedConfiguration } from '../../configuration/load-configuration.js';
import { SecretsService } from '../../secrets/secrets.service.js';
import { ToolRegistry } from '../tool-registry.js';
import { ToolError, type JsonSchema, type ToolContext } from '../tool.decorator.js';
import { toolsConfig, type McpServerConfig, type ToolsConfig } from '../tools.config.js';

const CLIENT_INFO = { name: 'llm-orchestrator', version: '0.1.0' };
const STDERR_LINES_KEPT = 5;
const MAX_RESTART_DELAY_MS = 60_000;

interface Connection {
  client: Client;
  /** The last lines the server wrote to stderr: they explain most start-up failures. */
  stderr: string[];
}

/**
 * Tools of the Model Context Protocol servers in `tools.mcpServers`, registered as
 * `<server>.<tool>` (shown to models as `<server>__<tool>`, which provider APIs accept).
 * A server that fails to start is logged and its tools are absent; the service still boots.
 * A server that failed or went away is started again (`restartDelayMs`, backing off); an
 * HTTP server that no longer knows the session (restarted, or it expired it) gets a new one
 * on the call that found out, which is then sent again.
 */
@Injectable()
export class McpToolSource implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('McpTools');
  private readonly connections = new Map<string, Connection>();
  private readonly restarts = new Map<string, NodeJS.Timeout>();
  /** New sessions being opened, by server: the calls that found the old one gone share it. */
  private readonly reconnecting = new Map<string, Promise<Client>>();
  private closing = false;

  constructor(
    @Inject(toolsConfig.KEY) private readonly config: ToolsConfig,
    private readonly registry: ToolRegistry,
    private readonly secrets: SecretsService,
    private readonly loaded: LoadedConfiguration,
  ) {}

  async onModuleInit(): Promise<void> {
    const problems: ConfigProblem[] = [];
    const problem = (path: string, message: string): void => {
      problems.push({ source: this.loaded.sourceOf(path), path, message });
    };
    const first = new Map<string, number>();
    this.config.mcpServers.forEach((server, i) => {
      const seen = first.get(server.name);
      if (seen !== undefined)
        problem(
          `tools.mcpServers[${i}].name`,
          `duplicate name (tools.mcpServers[${seen}] has it too)`,
        );
      else first.set(server.name, i);
      if (server.command !== undefined && server.url !== undefined)
        problem(`tools.mcpServers[${i}]`, 'give either command (stdio) or url (HTTP), not both');
    });
    if (problems.length) throw new ConfigurationError(problems);
    await Promise.all(this.config.mcpServers.map((server) => this.start(server)));
  }

  async onApplicationShutdown(): Promise<void> {
    this.closing = true;
    for (const timer of this.restarts.values()) clearTimeout(timer);
    this.restarts.clear();
    await Promise.all(
      [...this.connections.values()].map(({ client }) => client.close().catch(() => undefined)),
    );
    this.connections.clear();
  }

  /** `failures`: how many starts in a row failed before this one (sets the next wait). */
  private async start(server: McpServerConfig, failures = 0): Promise<void> {
    const connection: Connection = { client: new Client(CLIENT_INFO), stderr: [] };
    const { client } = connection;
    try {
      await client.connect(this.transport(server, connection), { timeout: server.startTimeoutMs });
      // A (re)start still connecting when the app shut down: nothing may outlive it.
      if (this.closing) {
        await client.close().catch(() => undefined);
        return;
      }
      const tools = await this.register(server, client);
      if (this.closing) {
        await client.close().catch(() => undefined);
        return;
      }
      this.connections.set(server.name, connection);
      this.logger.log(`MCP server ${server.name}: ${tools} tool${tools === 1 ? '' : 's'}`);
    } catch (error) {
      const why = describe(error, connection.stderr);
      this.registry.setUnavailable(
        `${server.name}.*`,
        `MCP server '${server.name}' is unavailable (${why})`,
      );
      this.logger.error(`MCP server ${server.name} failed to start, its tools are absent: ${why}`);
      await client.close().catch(() => undefined);
      this.restartLater(server, failures + 1);
      return;
    }
    if (client.getServerCapabilities()?.tools?.listChanged) {
      client.setNotificationHandler(ToolListChangedNotificationSchema, () =>
        this.register(server, client).then(
          (n) => this.logger.log(`MCP server ${server.name}: tool list changed, ${n} tools`),
          (error: unknown) =>
            this.logger.warn(
              `MCP server ${server.name}: cannot refresh its tools: ${describe(error, [])}`,
            ),
        ),
      );
    }
    const started = Date.now();
    client.onclose = () => {
      if (this.closing) return;
      this.connections.delete(server.name);
      this.registry.unregisterSource(sourceOf(server));
      this.registry.setUnavailable(
        `${server.name}.*`,
        `MCP server '${server.name}' closed the connection`,
      );
      this.logger.error(`MCP server ${server.name} closed the connection; its tools are gone`);
      // One that went away soon after it started counts as failing again: it backs off too.
      const crashedSoon = Date.now() - started < MAX_RESTART_DELAY_MS;
      this.restartLater(server, crashedSoon ? failures + 1 : 1);
    };
  }

  private restartLater(server: McpServerConfig, failures: number): void {
    if (this.closing || !server.restartDelayMs) return;
    const delay = Math.min(
      server.restartDelayMs * 2 ** Math.max(0, failures - 1),
      MAX_RESTART_DELAY_MS,
    );
    this.logger.warn(`MCP server ${server.name}: starting it again in ${delay} ms`);
    clearTimeout(this.restarts.get(server.name));
    const timer = setTimeout(() => {
      this.restarts.delete(server.name);
      void this.start(server, failures);
    }, delay);
    // A pending restart never keeps the process alive.
    timer.unref();
    this.restarts.set(server.name, timer);
  }

  private transport(server: McpServerConfig, connection: Connection): Transport {
    if (server.url !== undefined) {
      const headers: Record<string, string> = {};
      if (server.bearerToken)
        headers.authorization = `Bearer ${this.secrets.get(server.bearerToken).reveal()}`;
      return new StreamableHTTPClientTransport(new URL(server.url), { requestInit: { headers } });
    }
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(server.env ?? {})) {
      env[key] = typeof value === 'string' ? value : this.secrets.get(value).reveal();
    }
    const transport = new StdioClientTransport({
      command: server.command!,
      args: server.args,
      env,
      cwd: server.cwd,
      stderr: 'pipe',
    });
    transport.stderr?.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line.trim()) continue;
        connection.stderr.push(line.slice(0, 500));
        if (connection.stderr.length > STDERR_LINES_KEPT) connection.stderr.shift();
        this.logger.debug(`MCP server ${server.name} stderr: ${line.slice(0, 500)}`);
      }
    });
    return transport;
  }

  /** (Re)lists the server's tools and replaces its entries in the registry. */
  private async register(server: McpServerConfig, client: Client): Promise<number> {
    const tools: McpTool[] = [];
    let cursor: string | undefined;
    do {
      const page = await client.listTools(cursor ? { cursor } : {}, {
        timeout: server.startTimeoutMs,
      });
      tools.push(...page.tools);
      cursor = page.nextCursor;
    } while (cursor);

    const source = sourceOf(server);
    this.registry.unregisterSource(source);
    this.registry.setUnavailable(`${server.name}.*`, undefined);
    let registered = 0;
    for (const tool of tools) {
      const name = `${server.name}.${tool.name}`;
      try {
        this.registry.register({
          name,
          wireName: `${server.name}__${tool.name.replace(/[^a-zA-Z0-9_-]/g, '_')}`,
          description: tool.description ?? tool.title ?? '',
          parameters: tool.inputSchema as JsonSchema,
          source,
          // The client is looked up per call: a toolset outlives a reconnection.
          run: (args, ctx) => this.call(server, tool.name, args, ctx),
        });
        registered++;
      } catch (error) {
        this.logger.warn(
          `MCP server ${server.name}: tool ${tool.name} left out: ${(error as Error).message}`,
        );
      }
    }
    return registered;
  }

  /** The server's current client, once a reconnection in progress is done. */
  private async clientOf(server: McpServerConfig): Promise<Client> {
    const pending = this.reconnecting.get(server.name);
    const client = pending ? await pending : this.connections.get(server.name)?.client;
    if (!client) throw new ToolError(`MCP server '${server.name}' is unavailable`);
    return client;
  }

  /**
   * A new session with an HTTP server that lost `stale`'s; its tools are listed again. The
   * stale client is closed only once the new one is up: calls still in flight on it get
   * their own 404 (the server ran none of them) and join this reconnection.
   */
  private reconnect(server: McpServerConfig, stale: Client): Promise<Client> {
    const pending = this.reconnecting.get(server.name);
    if (pending) return pending;
    const current = this.connections.get(server.name)?.client;
    if (current && current !== stale) return Promise.resolve(current);
    const reconnection = (async () => {
      this.logger.warn(`MCP server ${server.name} no longer knows the session; opening a new one`);
      this.connections.delete(server.name);
      // Closed on purpose: not a server that went away (no restart timer).
      stale.onclose = undefined;
      try {
        await this.start(server);
      } finally {
        await stale.close().catch(() => undefined);
      }
      const fresh = this.connections.get(server.name)?.client;
      if (!fresh) throw new ToolError(`MCP server '${server.name}' is unavailable`);
      return fresh;
    })().finally(() => this.reconnecting.delete(server.name));
    this.reconnecting.set(server.name, reconnection);
    return reconnection;
  }

  private async call(
    server: McpServerConfig,
    name: string,
    args: Record<string, unknown>,
    ctx: ToolContext,
  ): Promise<string> {
    // The executor enforces the timeout through the signal; the SDK's own must not be shorter.
    const options = { signal: ctx.signal, timeout: ctx.timeoutMs };
    const callOn = async (client: Client) =>
      (await client.callTool({ name, arguments: args }, undefined, options)) as CallToolResult;
    const client = await this.clientOf(server);
    let result: CallToolResult;
    try {
      result = await callOn(client);
    } catch (error) {
      // MCP's streamable HTTP: 404 is the server saying it does not know the session; a
      // client replaced meanwhile had lost its session too. Either way the call never ran.
      const sessionLost = error instanceof StreamableHTTPError && error.code === 404;
      const replaced =
        this.reconnecting.has(server.name) || this.connections.get(server.name)?.client !== client;
      if (server.url === undefined || !(sessionLost || replaced) || ctx.signal.aborted) throw error;
      result = await callOn(await this.reconnect(server, client));
    }
    const text = result.content
      .map((part) => {
        switch (part.type) {
          case 'text':
            return part.text;
          case 'resource':
            return 'text' in part.resource ? part.resource.text : `[resource ${part.resource.uri}]`;
          case 'resource_link':
            return `[resource ${part.uri}]`;
          default:
            return `[${part.type} content: ${part.mimeType}]`;
        }
      })
      .join('\n');
    if (result.isError) throw new ToolError(text || `${name} reported an error`);
    if (!text && result.structuredContent) return JSON.stringify(result.structuredContent);
    return text;
  }
}

function sourceOf(server: McpServerConfig): string {
  return `mcp:${server.name}`;
}

function describe(error: unknown, stderr: string[]): string {
  const message = error instanceof Error ? error.message : String(error);
  return stderr.length ? `${message}; stderr: ${stderr.join(' | ')}` : message;
}
