import { Logger } from '@nestjs/common';
import OpenAI from 'openai';
import { Agent, fetch as undiciFetch } from 'undici';
import { ConnectorConfig } from '../src/connectors/connectors.config.js';
import { OpenAiConnector } from '../src/connectors/openai/openai.connector.js';
import { UpstreamHttp } from '../src/connectors/upstream-http.js';

/** CPU per streamed chat call, in µs, for each way of making it. */
export type ClientCosts = Record<string, number>;

const CALLS = 1500;
const ROUNDS = 3;
const CONCURRENCY = 20;

/**
 * What one streamed chat call costs the calling process, through the official `openai` SDK
 * with each `fetch` it can be given, and through the connector's own path (`UpstreamHttp.send`
 * plus its SSE decoding): the numbers behind the connectors' choice of HTTP client.
 */
export async function clientCosts(upstream: string): Promise<ClientCosts> {
  const pool = new Agent({ connections: null, keepAliveTimeout: 30_000 });
  const http = new UpstreamHttp({ timeoutMs: 60_000, maxRetries: 0 });
  const sdk = (fetch?: OpenAI['fetch']): OpenAI =>
    new OpenAI({
      baseURL: `${upstream}/v1`,
      apiKey: 'bench',
      maxRetries: 0,
      ...(fetch ? { fetch } : {}),
    });
  const messages = [{ role: 'user' as const, content: 'Tell me about foxes.' }];
  const viaSdk = (client: OpenAI) => async (): Promise<void> => {
    const stream = await client.chat.completions.create({
      model: 'gpt-bench',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    for await (const chunk of stream) void chunk;
  };
  const config = Object.assign(new ConnectorConfig(), {
    name: 'bench',
    provider: 'openai',
    baseUrl: `${upstream}/v1`,
    defaultModel: 'gpt-bench',
    maxRetries: 0,
  });
  const connector = new OpenAiConnector(config, 'bench', http, new Logger('bench'));
  const variants: Record<string, () => Promise<void>> = {
    'openai SDK, global fetch': viaSdk(sdk()),
    'openai SDK, undici fetch + Agent': viaSdk(
      sdk(
        (url: string | URL | Request, init?: RequestInit) =>
          undiciFetch(url as string, {
            ...(init as object),
            dispatcher: pool,
          }) as unknown as Promise<Response>,
      ),
    ),
    'openai SDK, fetch on undici.request': viaSdk(sdk(http.fetch)),
    'connector path (undici.request, chosen)': async () => {
      for await (const event of connector.chat(
        { messages },
        { signal: new AbortController().signal },
      ))
        void event;
    },
  };
  const costs: ClientCosts = {};
  try {
    // Warm every path first (JIT, connections): whichever runs first otherwise pays for it.
    for (const call of Object.values(variants)) await run(call, 300);
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, call] of Object.entries(variants)) {
        const before = process.cpuUsage();
        await run(call, CALLS / ROUNDS);
        const used = process.cpuUsage(before);
        costs[name] = (costs[name] ?? 0) + (used.user + used.system) / CALLS;
      }
    }
    for (const name of Object.keys(costs)) costs[name] = Math.round(costs[name]);
  } finally {
    await http.close();
    await pool.close();
  }
  return costs;
}

async function run(call: () => Promise<void>, calls: number): Promise<void> {
  let started = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (started++ < calls) await call();
    }),
  );
}
