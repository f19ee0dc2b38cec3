import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type Anthropic from '@anthropic-ai/sdk';
import {
  delay,
  dropUnstreamed,
  pieces,
  planTurn,
  sendJson,
  startFake,
  writePaced,
  type FakeContext,
  type FakeError,
  type FakeOptions,
  type FakeUpstream,
  type RecordedRequest,
} from './fake-upstream.js';

export type AnthropicFake = FakeUpstream<Anthropic.MessageCreateParams>;

/**
 * A fake Anthropic Messages API: `POST /v1/messages` as JSON or as the SSE event sequence
 * (`message_start`, `content_block_start/delta/stop` with `text_delta` and
 * `input_json_delta`, `ping`, `message_delta`, `message_stop`, `event: error`),
 * `GET /v1/models`, Anthropic's error bodies. A turn with `thinking` starts with a signed
 * thinking block (`thinking_delta`, `signature_delta`). It refuses what the real API refuses
 * and a translation could get wrong: a missing key/`anthropic-version`/`max_tokens`,
 * roles other than user/assistant, two turns of one role in a row, a `tool_use` not
 * answered by `tool_result` blocks at the start of the next user turn, and a final assistant
 * turn that called tools after thinking sent back without its thinking block, unchanged.
 */
export function startAnthropicFake(options: FakeOptions = {}): Promise<AnthropicFake> {
  let ids = 0;
  const nextId = (): number => ++ids;
  const signed = new Map<string, Anthropic.ThinkingBlockParam>();
  return startFake<Anthropic.MessageCreateParams>(
    (req, res, ctx) => handle(req, res, ctx, nextId, signed),
    (req) => req.path.startsWith('/v1/messages'),
    options,
  );
}

async function handle(
  req: RecordedRequest<unknown>,
  res: ServerResponse,
  ctx: FakeContext,
  nextId: () => number,
  /** The thinking block each tool call was made after: it must come back with the call. */
  signed: Map<string, Anthropic.ThinkingBlockParam>,
): Promise<void> {
  const { apiKey } = ctx.options;
  // SDK 1.x (API version 2026-10-21) sends `Authorization: Bearer`; older clients `x-api-key`.
  const given = req.headers['x-api-key'] ?? req.headers.authorization?.replace(/^Bearer /, '');
  if (apiKey !== undefined && given !== apiKey) {
    return sendError(res, {
      status: 401,
      body: errorBody('authentication_error', 'invalid x-api-key'),
    });
  }
  if (!req.headers['anthropic-version']) {
    return sendError(res, {
      status: 400,
      body: errorBody('invalid_request_error', 'anthropic-version: header is required'),
    });
  }
  if (req.method === 'GET' && req.path.startsWith('/v1/models')) {
    const data = (ctx.options.models ?? ['claude-fake']).map((id) => ({
      type: 'model',
      id,
      display_name: id,
      created_at: '2026-01-01T00:00:00Z',
    }));
    return sendJson(res, 200, {
      data,
      has_more: false,
      first_id: data[0]?.id ?? null,
      last_id: data.at(-1)?.id ?? null,
    });
  }
  if (req.method !== 'POST' || req.path !== '/v1/messages') {
    return sendError(res, {
      status: 404,
      body: errorBody('not_found_error', `Not found: ${req.method} ${req.path}`),
    });
  }
  const invalid = validate(req.body, signed);
  if (invalid)
    return sendError(res, { status: 400, body: errorBody('invalid_request_error', invalid) });
  const body = req.body as Anthropic.MessageCreateParams;

  const turn = ctx.takeTurn();
  if (turn.headersDelayMs) await delay(turn.headersDelayMs);
  if (ctx.closed()) return;
  if (turn.error) return sendError(res, turn.error);

  const plan = planTurn(turn, 'toolu_', nextId);
  const thinking = turn.thinking
    ? {
        type: 'thinking' as const,
        thinking: turn.thinking,
        signature: createHash('sha256').update(turn.thinking).digest('base64'),
      }
    : undefined;
  if (thinking) for (const tool of plan.tools) signed.set(tool.id, thinking);
  const id = `msg_fake${nextId()}`;
  const stopReason =
    turn.finish === 'length' ? 'max_tokens' : plan.tools.length ? 'tool_use' : 'end_turn';
  const usage = {
    input_tokens: plan.usage.input,
    output_tokens: plan.usage.output,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    service_tier: 'standard',
  };

  if (body.stream !== true) {
    if (dropUnstreamed(res, turn)) return;
    const content: unknown[] = thinking ? [thinking] : [];
    if (plan.text.length) content.push({ type: 'text', text: plan.text.join(''), citations: null });
    for (const tool of plan.tools)
      content.push({
        type: 'tool_use',
        id: tool.id,
        name: tool.name,
        input: JSON.parse(tool.full) as unknown,
      });
    return sendJson(res, 200, {
      id,
      type: 'message',
      role: 'assistant',
      model: body.model,
      content,
      stop_reason: stopReason,
      stop_sequence: null,
      usage,
    });
  }

  const event = (type: string, data: unknown): string =>
    `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
  const frames = [
    event('message_start', {
      type: 'message_start',
      message: {
        id,
        type: 'message',
        role: 'assistant',
        model: body.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { ...usage, output_tokens: 1 },
      },
    }),
    event('ping', { type: 'ping' }),
  ];
  let index = 0;
  if (thinking) {
    frames.push(
      event('content_block_start', {
        type: 'content_block_start',
        index,
        content_block: { type: 'thinking', thinking: '', signature: '' },
      }),
    );
    for (const piece of pieces(thinking.thinking, turn.chunkSize ?? 4)) {
      frames.push(
        event('content_block_delta', {
          type: 'content_block_delta',
          index,
          delta: { type: 'thinking_delta', thinking: piece },
        }),
      );
    }
    frames.push(
      event('content_block_delta', {
        type: 'content_block_delta',
        index,
        delta: { type: 'signature_delta', signature: thinking.signature },
      }),
      event('content_block_stop', { type: 'content_block_stop', index }),
    );
    index++;
  }
  if (plan.text.length) {
    frames.push(
      event('content_block_start', {
        type: 'content_block_start',
        index,
        content_block: { type: 'text', text: '', citations: null },
      }),
    );
    for (const text of plan.text) {
      frames.push(
        event('content_block_delta', {
          type: 'content_block_delta',
          index,
          delta: { type: 'text_delta', text },
        }),
      );
    }
    frames.push(event('content_block_stop', { type: 'content_block_stop', index }));
    index++;
  }
  for (const tool of plan.tools) {
    frames.push(
      event('content_block_start', {
        type: 'content_block_start',
        index,
        content_block: {
          type: 'tool_use',
          id: tool.id,
          name: tool.name,
          input: {},
          caller: { type: 'direct' },
        },
      }),
    );
    // Anthropic opens a tool's input with an empty fragment.
    for (const partial_json of ['', ...tool.args]) {
      frames.push(
        event('content_block_delta', {
          type: 'content_block_delta',
          index,
          delta: { type: 'input_json_delta', partial_json },
        }),
      );
    }
    frames.push(event('content_block_stop', { type: 'content_block_stop', index }));
    index++;
  }
  frames.push(
    event('message_delta', {
      type: 'message_delta',
      delta: { stop_reason: stopReason, stop_sequence: null, container: null },
      usage: {
        input_tokens: plan.usage.input,
        output_tokens: plan.usage.output,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
        server_tool_use: null,
      },
    }),
    event('message_stop', { type: 'message_stop' }),
  );
  const errorFrame = event(
    'error',
    errorBody(
      turn.streamError?.type ?? 'overloaded_error',
      turn.streamError?.message ?? 'Overloaded',
    ),
  );
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    'request-id': `req_fake${nextId()}`,
  });
  if (await writePaced(res, frames, turn, ctx.closed, errorFrame)) res.end();
}

/** The checks of the real API that a translation could fail; the first fault found, or undefined. */
function validate(
  raw: unknown,
  signed: Map<string, Anthropic.ThinkingBlockParam>,
): string | undefined {
  if (typeof raw !== 'object' || raw === null) return 'body: expected an object';
  const body = raw as Record<string, unknown>;
  if (typeof body.model !== 'string') return 'model: Field required';
  if (
    typeof body.max_tokens !== 'number' ||
    !Number.isInteger(body.max_tokens) ||
    body.max_tokens < 1
  ) {
    return 'max_tokens: Field required (a positive integer)';
  }
  if (!Array.isArray(body.messages) || body.messages.length === 0)
    return 'messages: at least one message is required';
  if (body.system !== undefined && typeof body.system !== 'string' && !Array.isArray(body.system)) {
    return 'system: Input should be a valid string or list of text blocks';
  }
  let previousToolUses: string[] = [];
  for (let i = 0; i < body.messages.length; i++) {
    const message = body.messages[i] as { role?: unknown; content?: unknown };
    if (message.role !== 'user' && message.role !== 'assistant') {
      return `messages.${i}.role: Input should be 'user' or 'assistant'`;
    }
    if (i > 0 && (body.messages[i - 1] as { role: string }).role === message.role) {
      return `messages.${i}: roles must alternate between "user" and "assistant"`;
    }
    const blocks: Array<Record<string, unknown>> =
      typeof message.content === 'string'
        ? [{ type: 'text', text: message.content }]
        : (message.content as Array<Record<string, unknown>>);
    if (!Array.isArray(blocks)) return `messages.${i}.content: Input should be a valid list`;
    for (const [j, block] of blocks.entries()) {
      if (block.type === 'text' && (typeof block.text !== 'string' || !block.text)) {
        return `messages.${i}.content.${j}.text: text content blocks must be non-empty`;
      }
    }
    if (message.role === 'user') {
      const results = blocks
        .filter((b) => b.type === 'tool_result')
        .map((b) => String(b.tool_use_id));
      const firstOther = blocks.findIndex((b) => b.type !== 'tool_result');
      if (firstOther >= 0 && blocks.slice(firstOther).some((b) => b.type === 'tool_result')) {
        return `messages.${i}.content: tool_result blocks must come first in a user turn`;
      }
      const missing = previousToolUses.filter((id) => !results.includes(id));
      if (missing.length) {
        return `messages.${i}: tool_use ids were found without tool_result blocks immediately after: ${missing.join(', ')}`;
      }
      const unknown = results.filter((id) => !previousToolUses.includes(id));
      if (unknown.length)
        return `messages.${i}.content: unexpected tool_use_id found in tool_result blocks: ${unknown.join(', ')}`;
      previousToolUses = [];
    } else {
      previousToolUses = blocks.filter((b) => b.type === 'tool_use').map((b) => String(b.id));
      // Anthropic checks the final assistant turn only: earlier thinking may be left out.
      const final = !body.messages.slice(i + 1).some((m) => m.role === 'assistant');
      const thought = final && previousToolUses.map((id) => signed.get(id)).find(Boolean);
      if (thought && blocks[0]?.type !== 'thinking') {
        return `messages.${i}.content.0.type: Expected \`thinking\` or \`redacted_thinking\`, but found \`${String(blocks[0]?.type)}\`. When \`thinking\` is enabled, a final \`assistant\` message must start with a thinking block (preceeding the lastmost set of \`tool_use\` and \`tool_result\` blocks). We recommend you include thinking blocks from previous turns. To avoid this requirement, disable \`thinking\`.`;
      }
      if (
        thought &&
        (blocks[0].thinking !== thought.thinking || blocks[0].signature !== thought.signature)
      ) {
        return `messages.${i}.content.0: Invalid \`signature\` in \`thinking\` block`;
      }
      if (blocks.some((b) => b.type === 'tool_result'))
        return `messages.${i}.content: tool_result blocks belong in a user turn`;
    }
  }
  return undefined;
}

function errorBody(type: string, message: string): unknown {
  return { type: 'error', error: { type, message }, request_id: 'req_fake' };
}

const TYPICAL: Record<number, [string, string]> = {
  400: ['invalid_request_error', 'Invalid request.'],
  401: ['authentication_error', 'invalid x-api-key'],
  403: ['permission_error', 'Your API key does not have permission to use the specified resource.'],
  404: ['not_found_error', 'model: not found'],
  413: ['request_too_large', 'Request exceeds the maximum allowed number of bytes.'],
  429: ['rate_limit_error', 'Number of request tokens has exceeded your per-minute rate limit.'],
  529: ['overloaded_error', 'Overloaded'],
};

function sendError(res: ServerResponse, error: FakeError): void {
  const [type, message] = TYPICAL[error.status] ?? ['api_error', 'Internal server error'];
  sendJson(res, error.status, error.body ?? errorBody(type, message), error.headers);
}
