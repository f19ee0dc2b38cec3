import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The scaffolding shared by the fake LLM upstreams: a loopback `node:http` server that
 * records every request, answers from a queue of scripted turns (a default turn when the
 * queue is empty), and counts responses the client closed before they were complete.
 * Each provider fake only knows how to put a turn on its own wire format.
 */

export interface FakeToolCall {
  name: string;
  /** An object (serialized by the fake) or the raw JSON text to send. */
  arguments: Record<string, unknown> | string;
  /** Generated (`call_1`, `toolu_1`, …) when absent. */
  id?: string;
}

/** Token counts the fake reports as the provider's usage. */
export interface FakeUsage {
  input: number;
  output: number;
  /** Of `input`, served from the provider's prompt cache (OpenAI fake; default 0). */
  cached?: number;
}

export interface FakeError {
  status: number;
  /** The provider's error body; a typical one for the status when absent. */
  body?: unknown;
  headers?: Record<string, string>;
}

/** One scripted answer. */
export interface FakeTurn {
  /**
   * Reasoning shown before the reply, streamed like the text: Anthropic's signed `thinking`
   * block, Ollama's `message.thinking`.
   */
  thinking?: string;
  /** Reply text, streamed in `chunkSize`-character pieces. */
  text?: string;
  /** Tool calls after the text; their arguments stream in `chunkSize` pieces too. */
  toolCalls?: FakeToolCall[];
  /** Default: `{ input: 10, output: <number of streamed pieces> }`. */
  usage?: FakeUsage;
  /** Default: `stop`, or the provider's tool-use reason when there are tool calls. */
  finish?: 'stop' | 'length';
  /** Characters per streamed piece (default 4). */
  chunkSize?: number;
  /** Pause before each streamed piece: a slow upstream. */
  delayMs?: number;
  /** Pause once, after this many stream frames: a stream that stalls mid-way. */
  pauseAfter?: { frames: number; ms: number };
  /** Pause before the response headers: an upstream that does not answer. */
  headersDelayMs?: number;
  /**
   * Destroy the connection after this many stream frames (SSE events, NDJSON lines): the
   * stream never ends. An unstreamed answer is cut before its first byte.
   */
  dropAfter?: number;
  /** After this many stream frames, send the provider's in-stream error instead of the rest, then end. */
  streamError?: { after: number; message?: string; type?: string };
  /** Answer with this HTTP error instead. */
  error?: FakeError;
}

export interface RecordedRequest<Body = Record<string, unknown>> {
  method: string;
  /** Path and query, e.g. `/v1/chat/completions`. */
  path: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body (`undefined` for a bodiless request). */
  body: Body;
}

export interface FakeOptions {
  /** When set, requests without this key get the provider's 401. */
  apiKey?: string;
  /** Answer when no turn is scripted (default: a short text). */
  defaultTurn?: FakeTurn;
  /** Model ids for the provider's model list endpoint. */
  models?: string[];
}

/** What every fake upstream offers a test. */
export interface FakeUpstream<Body> {
  /** `http://127.0.0.1:<port>` (the provider's path prefix, e.g. `/v1`, is not included). */
  readonly url: string;
  /** Every request received, in order. */
  readonly requests: RecordedRequest<Body>[];
  /** The last request to the provider's chat endpoint. */
  lastChat(): RecordedRequest<Body>;
  /** Queues answers for the next chat requests, in order. */
  script(...turns: FakeTurn[]): void;
  /** Responses the client closed before the fake had finished them. */
  readonly closedEarly: number;
  /** Resolves when the next response is closed early by the client. */
  nextClose(): Promise<void>;
  close(): Promise<void>;
}

/** How a provider fake answers one request (the scaffolding did the rest). */
export type FakeHandler = (
  req: RecordedRequest<unknown>,
  res: ServerResponse,
  ctx: FakeContext,
) => Promise<void>;

export interface FakeContext {
  /** The next scripted turn (or the default one). */
  takeTurn(): FakeTurn;
  /** Whether the client has gone away: stop writing. */
  closed(): boolean;
  options: FakeOptions;
}

export const DEFAULT_TURN: FakeTurn = { text: 'Hello from the fake upstream.' };

export async function startFake<Body>(
  handler: FakeHandler,
  isChat: (req: RecordedRequest<unknown>) => boolean,
  options: FakeOptions,
): Promise<FakeUpstream<Body>> {
  const requests: RecordedRequest<Body>[] = [];
  const queue: FakeTurn[] = [];
  let closedEarly = 0;
  let waiters: Array<() => void> = [];

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let closed = false;
    res.on('close', () => {
      closed = true;
      if (!res.writableFinished) {
        closedEarly++;
        const woken = waiters;
        waiters = [];
        for (const wake of woken) wake();
      }
    });
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        res
          .writeHead(400, { 'content-type': 'application/json' })
          .end('{"error":"invalid JSON body"}');
        return;
      }
      const recorded: RecordedRequest<unknown> = {
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        headers: req.headers,
        body,
      };
      requests.push(recorded as RecordedRequest<Body>);
      const ctx: FakeContext = {
        takeTurn: () => queue.shift() ?? options.defaultTurn ?? DEFAULT_TURN,
        closed: () => closed,
        options,
      };
      handler(recorded, res, ctx).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String(error));
      });
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    lastChat: () => {
      const found = requests.findLast((r) => isChat(r as RecordedRequest<unknown>));
      if (!found) throw new Error('the fake upstream received no chat request');
      return found;
    },
    script: (...turns) => void queue.push(...turns),
    get closedEarly() {
      return closedEarly;
    },
    nextClose: () => new Promise<void>((resolve) => waiters.push(resolve)),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Splits text into pieces of `size` characters (code points), at least one piece. */
export function pieces(text: string, size = 4): string[] {
  const chars = Array.from(text);
  const out: string[] = [];
  for (let i = 0; i < chars.length; i += size) out.push(chars.slice(i, i + size).join(''));
  return out;
}

export function argumentsText(call: FakeToolCall): string {
  return typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments);
}

/** The pieces of one turn's stream, in order: text first, then each tool call's arguments. */
export interface TurnPlan {
  text: string[];
  tools: Array<{ id: string; name: string; args: string[]; full: string }>;
  usage: FakeUsage;
}

export function planTurn(turn: FakeTurn, idPrefix: string, nextId: () => number): TurnPlan {
  const size = turn.chunkSize ?? 4;
  const text = turn.text ? pieces(turn.text, size) : [];
  const tools = (turn.toolCalls ?? []).map((call) => {
    const full = argumentsText(call);
    return {
      id: call.id ?? `${idPrefix}${nextId()}`,
      name: call.name,
      args: pieces(full, size * 4),
      full,
    };
  });
  const output = text.length + tools.reduce((n, t) => n + t.args.length + 1, 0);
  return { text, tools, usage: turn.usage ?? { input: 10, output: Math.max(1, output) } };
}

/**
 * Writes the frames of a stream with the turn's pacing; destroys the connection after
 * `dropAfter` frames, or replaces the rest by `errorFrame` after `streamError.after`.
 * Returns false when the stream was cut (by us or by the client).
 */
export async function writePaced(
  res: ServerResponse,
  allFrames: string[],
  turn: FakeTurn,
  closed: () => boolean,
  errorFrame?: string,
): Promise<boolean> {
  const frames =
    turn.streamError && errorFrame
      ? [...allFrames.slice(0, turn.streamError.after), errorFrame]
      : allFrames;
  for (let i = 0; i < frames.length; i++) {
    if (closed()) return false;
    if (turn.dropAfter !== undefined && i >= turn.dropAfter) {
      res.socket?.destroy();
      return false;
    }
    if (turn.delayMs) await delay(turn.delayMs);
    if (turn.pauseAfter?.frames === i) await delay(turn.pauseAfter.ms);
    if (closed()) return false;
    // Before a drop, each frame must have left: the client sees it, then the cut.
    if (turn.dropAfter !== undefined)
      await new Promise<void>((resolve) => res.write(frames[i], () => resolve()));
    else res.write(frames[i]);
  }
  return true;
}

/** An unstreamed answer with `dropAfter` set: the connection is cut before any byte of it. */
export function dropUnstreamed(res: ServerResponse, turn: FakeTurn): boolean {
  if (turn.dropAfter === undefined) return false;
  res.socket?.destroy();
  return true;
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}
