import type { ServerResponse } from 'node:http';
import type { ChatRequest, Logprob } from 'ollama';
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

export type OllamaFake = FakeUpstream<ChatRequest>;

/**
 * A fake Ollama native API: `POST /api/chat` streamed as NDJSON (the default, as in
 * Ollama) or as one JSON object with `"stream": false`, a turn's thinking in
 * `message.thinking` before the reply (unless `"think": false`), tool calls sent whole in one
 * line with their ids and object arguments, each piece's token log probabilities when asked
 * (`logprobs`, `top_logprobs`), the final `done: true` line with
 * `prompt_eval_count`/`eval_count`, `GET /api/tags`, and Ollama's `{ "error": "…" }` bodies.
 * No messages only loads the model: one `done_reason: "load"` object without counts, streamed
 * or not. With `models` set, an unknown model is a 404 as in Ollama.
 */
export function startOllamaFake(options: FakeOptions = {}): Promise<OllamaFake> {
  let ids = 0;
  const nextId = (): number => ++ids;
  return startFake<ChatRequest>(
    (req, res, ctx) => handle(req, res, ctx, nextId),
    (req) => req.path === '/api/chat',
    options,
  );
}

async function handle(
  req: RecordedRequest<unknown>,
  res: ServerResponse,
  ctx: FakeContext,
  nextId: () => number,
): Promise<void> {
  const { apiKey, models } = ctx.options;
  if (apiKey !== undefined && req.headers.authorization !== `Bearer ${apiKey}`) {
    return sendError(res, { status: 401, body: { error: 'unauthorized' } });
  }
  if (req.method === 'GET' && req.path === '/api/tags') {
    return sendJson(res, 200, {
      models: (models ?? ['llama-fake:latest']).map((name) => ({
        name,
        model: name,
        modified_at: '2026-01-01T00:00:00Z',
        size: 1_000_000,
        digest: 'sha256:fake',
        details: {
          parent_model: '',
          format: 'gguf',
          family: 'llama',
          families: ['llama'],
          parameter_size: '1B',
          quantization_level: 'Q4_0',
        },
      })),
    });
  }
  if (req.method !== 'POST' || req.path !== '/api/chat')
    return sendError(res, { status: 404, body: { error: '404 page not found' } });
  const body = req.body as Partial<ChatRequest> | undefined;
  if (!body || typeof body.model !== 'string' || !body.model)
    return sendError(res, { status: 400, body: { error: 'model is required' } });
  if (models && !models.includes(body.model)) {
    return sendError(res, { status: 404, body: { error: `model '${body.model}' not found` } });
  }
  // As Ollama's server: levels are for gpt-oss (harmony) models only.
  if (typeof body.think === 'string' && !/gpt-oss/i.test(body.model)) {
    return sendError(res, {
      status: 400,
      body: { error: `think value "${body.think}" is not supported for this model` },
    });
  }
  for (const message of body.messages ?? []) {
    if (!['system', 'user', 'assistant', 'tool'].includes(message.role)) {
      return sendError(res, { status: 400, body: { error: `invalid role: ${message.role}` } });
    }
  }

  if (!body.messages?.length) {
    return sendJson(res, 200, {
      model: body.model,
      created_at: new Date().toISOString(),
      message: { role: 'assistant', content: '' },
      done: true,
      done_reason: 'load',
    });
  }

  const turn = ctx.takeTurn();
  if (turn.headersDelayMs) await delay(turn.headersDelayMs);
  if (ctx.closed()) return;
  if (turn.error) return sendError(res, turn.error);

  const plan = planTurn(turn, 'call_', nextId);
  const thinking =
    turn.thinking && body.think !== false ? pieces(turn.thinking, turn.chunkSize) : [];
  // Each piece is one token here, scored only when asked; `from`: its place in the answer.
  const scored = (texts: string[], from = 0): { logprobs?: Logprob[] } =>
    body.logprobs
      ? { logprobs: texts.map((text, i) => logprobOf(text, from + i, body.top_logprobs)) }
      : {};
  const createdAt = new Date().toISOString();
  const toolCalls = plan.tools.map((tool, index) => ({
    id: tool.id,
    function: {
      index,
      name: tool.name,
      arguments: JSON.parse(tool.full) as Record<string, unknown>,
    },
  }));
  const final = {
    model: body.model,
    created_at: createdAt,
    done: true,
    done_reason: turn.finish === 'length' ? 'length' : 'stop',
    total_duration: 1_000_000,
    load_duration: 100_000,
    prompt_eval_count: plan.usage.input,
    prompt_eval_duration: 200_000,
    eval_count: plan.usage.output,
    eval_duration: 700_000,
  };

  if (body.stream === false) {
    if (dropUnstreamed(res, turn)) return;
    return sendJson(res, 200, {
      ...final,
      message: {
        role: 'assistant',
        content: plan.text.join(''),
        ...(thinking.length ? { thinking: thinking.join('') } : {}),
        ...(toolCalls.length ? { tool_calls: toolCalls } : {}),
      },
      ...scored([...thinking, ...plan.text]),
    });
  }

  const line = (value: unknown): string => `${JSON.stringify(value)}\n`;
  const frames = [
    ...thinking.map((piece, i) =>
      line({
        model: body.model,
        created_at: createdAt,
        message: { role: 'assistant', content: '', thinking: piece },
        done: false,
        ...scored([piece], i),
      }),
    ),
    ...plan.text.map((content, i) =>
      line({
        model: body.model,
        created_at: createdAt,
        message: { role: 'assistant', content },
        done: false,
        ...scored([content], thinking.length + i),
      }),
    ),
  ];
  if (toolCalls.length) {
    frames.push(
      line({
        model: body.model,
        created_at: createdAt,
        message: { role: 'assistant', content: '', tool_calls: toolCalls },
        done: false,
      }),
    );
  }
  frames.push(line({ ...final, message: { role: 'assistant', content: '' } }));
  res.writeHead(200, { 'content-type': 'application/x-ndjson' });
  const errorFrame = line({
    error: turn.streamError?.message ?? 'an error was encountered while running the model',
  });
  if (await writePaced(res, frames, turn, ctx.closed, errorFrame)) res.end();
}

function sendError(res: ServerResponse, error: FakeError): void {
  sendJson(
    res,
    error.status,
    error.body ?? { error: error.status === 404 ? 'model not found' : 'internal server error' },
    error.headers,
  );
}

/** A made-up score for one token, with `top` alternatives (the token itself first), bytes as Ollama sends them. */
function logprobOf(token: string, i: number, top = 0): Logprob {
  const scored = (text: string, logprob: number) => ({
    token: text,
    logprob,
    bytes: [...Buffer.from(text, 'utf8')],
  });
  const alternatives = Array.from({ length: top }, (_, k) =>
    k === 0 ? scored(token, -0.1 * (i + 1)) : scored(`${token}~${k}`, -1 - k),
  );
  return { ...scored(token, -0.1 * (i + 1)), ...(top ? { top_logprobs: alternatives } : {}) };
}
