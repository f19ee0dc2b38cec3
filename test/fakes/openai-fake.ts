import type { ServerResponse } from 'node:http';
import type OpenAI from 'openai';
import {
  delay,
  dropUnstreamed,
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

export type OpenAiFake = FakeUpstream<OpenAI.ChatCompletionCreateParams>;

/**
 * A fake OpenAI chat-completions server (also what vLLM, LM Studio, llama.cpp and Ollama's
 * `/v1` speak): `POST /v1/chat/completions` as JSON or SSE (`stream_options.include_usage`
 * and `logprobs`/`top_logprobs` honoured, tool-call arguments in fragments, `data: [DONE]`),
 * `GET /v1/models`, and OpenAI's error bodies. The SDK's base URL is `${fake.url}/v1`.
 */
export function startOpenAiFake(options: FakeOptions = {}): Promise<OpenAiFake> {
  let ids = 0;
  const nextId = (): number => ++ids;
  return startFake<OpenAI.ChatCompletionCreateParams>(
    (req, res, ctx) => handle(req, res, ctx, nextId),
    (req) => req.path.startsWith('/v1/chat/completions'),
    options,
  );
}

async function handle(
  req: RecordedRequest<unknown>,
  res: ServerResponse,
  ctx: FakeContext,
  nextId: () => number,
): Promise<void> {
  const { apiKey } = ctx.options;
  if (apiKey !== undefined && req.headers.authorization !== `Bearer ${apiKey}`) {
    return sendError(res, {
      status: 401,
      // OpenAI echoes (part of) the key it was given: the service must never pass this on.
      body: errorBody(
        `Incorrect API key provided: ${String(req.headers.authorization).slice(7)}.`,
        'invalid_request_error',
        'invalid_api_key',
      ),
    });
  }
  if (req.method === 'GET' && req.path === '/v1/models') {
    return sendJson(res, 200, {
      object: 'list',
      data: (ctx.options.models ?? ['gpt-fake']).map((id) => ({
        id,
        object: 'model',
        created: 1_700_000_000,
        owned_by: 'fake',
      })),
    });
  }
  if (req.method !== 'POST' || req.path !== '/v1/chat/completions') {
    return sendError(res, {
      status: 404,
      body: errorBody(
        `Unknown request URL: ${req.method} ${req.path}.`,
        'invalid_request_error',
        'unknown_url',
      ),
    });
  }
  const body = req.body as Partial<OpenAI.ChatCompletionCreateParams> | undefined;
  if (!body || typeof body.model !== 'string' || !Array.isArray(body.messages)) {
    return sendError(res, {
      status: 400,
      body: errorBody(
        "Missing required parameter: 'model' or 'messages'.",
        'invalid_request_error',
        'missing_required_parameter',
      ),
    });
  }
  const orderFault = toolOrderFault(body.messages);
  if (orderFault) return sendError(res, { status: 400, body: orderFault });
  const turn = ctx.takeTurn();
  if (turn.headersDelayMs) await delay(turn.headersDelayMs);
  if (ctx.closed()) return;
  if (turn.error) return sendError(res, turn.error);

  const plan = planTurn(turn, 'call_', nextId);
  const id = `chatcmpl-fake${nextId()}`;
  const created = Math.floor(Date.now() / 1000);
  const finish = turn.finish ?? (plan.tools.length ? 'tool_calls' : 'stop');
  // Each text piece is one token here, its log probability made up (-0.1, -0.2, …).
  const logprobsOf = (
    pieces: string[],
    from: number,
  ): OpenAI.ChatCompletion.Choice.Logprobs | null =>
    body.logprobs === true
      ? {
          content: pieces.map((text, i) => tokenLogprob(text, from + i, body.top_logprobs ?? 0)),
          refusal: null,
        }
      : null;
  const usage: OpenAI.CompletionUsage = {
    prompt_tokens: plan.usage.input,
    completion_tokens: plan.usage.output,
    total_tokens: plan.usage.input + plan.usage.output,
    prompt_tokens_details: { cached_tokens: plan.usage.cached ?? 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };

  if (body.stream !== true) {
    if (dropUnstreamed(res, turn)) return;
    const completion: OpenAI.ChatCompletion = {
      id,
      object: 'chat.completion',
      created,
      model: body.model,
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: plan.text.length ? plan.text.join('') : null,
            refusal: null,
            annotations: [],
            ...(plan.tools.length
              ? {
                  tool_calls: plan.tools.map((t) => ({
                    id: t.id,
                    type: 'function' as const,
                    function: { name: t.name, arguments: t.full },
                  })),
                }
              : {}),
          },
          logprobs: plan.text.length ? logprobsOf(plan.text, 0) : null,
          finish_reason: finish,
        },
      ],
      usage,
      service_tier: 'default',
      system_fingerprint: 'fp_fake',
    };
    return sendJson(res, 200, completion);
  }

  const includeUsage = body.stream_options?.include_usage === true;
  const usageField = includeUsage ? ',"usage":null' : '';
  const frame = (
    delta: unknown,
    finishReason: string | null = null,
    logprobs: unknown = null,
  ): string =>
    `data: {"id":"${id}","object":"chat.completion.chunk","created":${created},"model":${JSON.stringify(body.model)},` +
    `"service_tier":"default","system_fingerprint":"fp_fake","choices":[{"index":0,"delta":${JSON.stringify(delta)},` +
    `"logprobs":${JSON.stringify(logprobs)},"finish_reason":${finishReason ? `"${finishReason}"` : 'null'}}]${usageField}}\n\n`;
  const frames = [frame({ role: 'assistant', content: '', refusal: null })];
  plan.text.forEach((text, i) =>
    frames.push(frame({ content: text }, null, logprobsOf([text], i))),
  );
  plan.tools.forEach((tool, index) => {
    frames.push(
      frame({
        tool_calls: [
          { index, id: tool.id, type: 'function', function: { name: tool.name, arguments: '' } },
        ],
      }),
    );
    for (const args of tool.args)
      frames.push(frame({ tool_calls: [{ index, function: { arguments: args } }] }));
  });
  frames.push(frame({}, finish));
  if (includeUsage) {
    frames.push(
      `data: {"id":"${id}","object":"chat.completion.chunk","created":${created},"model":${JSON.stringify(body.model)},` +
        `"service_tier":"default","system_fingerprint":"fp_fake","choices":[],"usage":${JSON.stringify(usage)}}\n\n`,
    );
  }
  frames.push('data: [DONE]\n\n');
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
  });
  const errorFrame = `data: ${JSON.stringify(errorBody(turn.streamError?.message ?? 'The server had an error while processing your request.', turn.streamError?.type ?? 'server_error', null))}\n\n`;
  if (await writePaced(res, frames, turn, ctx.closed, errorFrame)) res.end();
}

function tokenLogprob(
  token: string,
  position: number,
  top: number,
): OpenAI.ChatCompletionTokenLogprob {
  const logprob = -0.1 * (position + 1);
  const bytes = [...Buffer.from(token)];
  return {
    token,
    logprob,
    bytes,
    top_logprobs: Array.from({ length: top }, (_, i) =>
      i === 0
        ? { token, logprob, bytes }
        : { token: `alt${i}`, logprob: logprob - i, bytes: [...Buffer.from(`alt${i}`)] },
    ),
  };
}

/**
 * What OpenAI refuses in a conversation's order: an assistant turn's tool calls must be
 * answered by tool messages right after it, and a tool message must answer such a turn.
 */
function toolOrderFault(messages: OpenAI.ChatCompletionMessageParam[]): unknown {
  let open: string[] = [];
  for (const [i, message] of messages.entries()) {
    if (message.role === 'tool') {
      if (!open.includes(message.tool_call_id))
        return errorBody(
          "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.",
          'invalid_request_error',
          null,
          `messages.[${i}].role`,
        );
      open = open.filter((id) => id !== message.tool_call_id);
      continue;
    }
    if (open.length)
      return errorBody(
        `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${open.join(', ')}`,
        'invalid_request_error',
        null,
        `messages.[${i}].role`,
      );
    open = message.role === 'assistant' ? (message.tool_calls ?? []).map((c) => c.id) : [];
  }
  return undefined;
}

function errorBody(
  message: string,
  type: string,
  code: string | null,
  param: string | null = null,
): unknown {
  return { error: { message, type, param, code } };
}

const TYPICAL: Record<number, [string, string, string]> = {
  400: ['Invalid request.', 'invalid_request_error', 'invalid_value'],
  401: ['Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key'],
  403: [
    'You are not allowed to sample from this model.',
    'invalid_request_error',
    'model_not_allowed',
  ],
  404: [
    'The model does not exist or you do not have access to it.',
    'invalid_request_error',
    'model_not_found',
  ],
  429: ['Rate limit reached for requests.', 'requests', 'rate_limit_exceeded'],
};

function sendError(res: ServerResponse, error: FakeError): void {
  const [message, type, code] = TYPICAL[error.status] ?? [
    'The server had an error while processing your request.',
    'server_error',
    'server_error',
  ];
  sendJson(res, error.status, error.body ?? errorBody(message, type, code), error.headers);
}
