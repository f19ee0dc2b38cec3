import { randomBytes } from 'node:crypto';
import type {
  ChatRequest as OllamaChatRequest,
  ChatResponse,
  Logprob,
  Message,
  Options,
  Tool,
  ToolCall,
} from 'ollama';
import type {
  ChatEvent,
  ChatMessage,
  ChatRequest,
  ContentPart,
  TokenLogprob,
  Usage,
} from '../../common/chat.types.js';
import { argumentsObject } from '../connector-support.js';
import { ConnectorError, ConnectorErrorCode } from '../connector.error.js';
import type { ConnectorConfig } from '../connectors.config.js';

/**
 * OpenAI's chat shape ⇄ Ollama's native `/api/chat`, both ways, as pure functions.
 * Ollama takes images as bare base64, sampling in `options`, `reasoning_effort` as `think`,
 * and has no `tool_choice`: `none` drops the tools, a named choice offers that tool only,
 * `required` offers them all — neither can make the model call one (Ollama's own OpenAI
 * layer ignores `tool_choice` too). `parallel_tool_calls` has no counterpart: not sent.
 */

/** Call ids both ways, which current Ollama takes and gives (the `ollama` package's types lag). */
type OllamaToolCall = ToolCall & { id?: string };
type OllamaMessage = Omit<Message, 'tool_calls'> & {
  tool_calls?: OllamaToolCall[];
  tool_call_id?: string;
};
type OllamaRequest = Omit<OllamaChatRequest, 'messages'> & {
  messages: OllamaMessage[];
  stream: boolean;
};

/**
 * `reasoning_effort` → `think`: `none` turns thinking off; a level turns it on. Only gpt-oss
 * takes levels (low/medium/high; OpenAI's `minimal` and `xhigh` go to the nearest); Ollama
 * refuses a level for any other model (400), so they get `true`. A model that cannot think
 * refuses `think` altogether.
 */
const THINK = new Map<string, boolean | 'low' | 'medium' | 'high'>([
  ['none', false],
  ['minimal', 'low'],
  ['low', 'low'],
  ['medium', 'medium'],
  ['high', 'high'],
  ['xhigh', 'high'],
]);

const DATA_URL = /^data:(image\/[^;,]+)(?:;[^;,]*)*;base64,(.*)$/s;

export function toOllamaRequest(
  request: ChatRequest,
  model: string,
  config: Pick<ConnectorConfig, 'defaults' | 'ollama'>,
  stream: boolean,
): OllamaRequest {
  const toolNames = new Map<string, string>();
  const messages = request.messages.map((message, i) => toMessage(message, i, toolNames));
  const body: OllamaRequest = { model, messages, stream };

  const tools = offeredTools(request);
  if (tools?.length) body.tools = tools;
  const format = request.response_format;
  if (format?.type === 'json_object') body.format = 'json';
  else if (format?.type === 'json_schema' && format.json_schema.schema)
    body.format = format.json_schema.schema;
  const think = THINK.get(request.reasoning_effort ?? '');
  if (think !== undefined)
    body.think = typeof think === 'string' && !/gpt-oss/i.test(model) ? true : think;
  if (request.logprobs) {
    body.logprobs = true;
    if (request.top_logprobs !== undefined) body.top_logprobs = request.top_logprobs;
  }
  if (config.ollama?.keepAlive !== undefined) body.keep_alive = config.ollama.keepAlive;

  // The configured model options underneath, the connector's defaults over them, the request on top.
  const { defaults } = config;
  const options: Partial<Options> = { ...config.ollama?.options };
  const temperature = request.temperature ?? defaults.temperature;
  if (temperature !== undefined) options.temperature = temperature;
  const topP = request.top_p ?? defaults.top_p;
  if (topP !== undefined) options.top_p = topP;
  const limit = request.max_completion_tokens ?? request.max_tokens ?? defaults.max_tokens;
  if (limit !== undefined) options.num_predict = limit;
  if (request.stop !== undefined)
    options.stop = typeof request.stop === 'string' ? [request.stop] : request.stop;
  if (request.seed !== undefined) options.seed = request.seed;
  if (request.presence_penalty !== undefined) options.presence_penalty = request.presence_penalty;
  if (request.frequency_penalty !== undefined)
    options.frequency_penalty = request.frequency_penalty;
  if (Object.keys(options).length) body.options = options;
  return body;
}

function offeredTools(request: ChatRequest): Tool[] | undefined {
  const choice = request.tool_choice;
  if (!request.tools || choice === 'none') return undefined;
  const named = typeof choice === 'object' ? choice.function.name : undefined;
  return request.tools
    .filter((tool) => named === undefined || tool.function.name === named)
    .map((tool) => ({
      type: 'function',
      function: {
        name: tool.function.name,
        ...(tool.function.description ? { description: tool.function.description } : {}),
        ...(tool.function.parameters ? { parameters: tool.function.parameters } : {}),
      },
    })) as Tool[];
}

function toMessage(message: ChatMessage, i: number, toolNames: Map<string, string>): OllamaMessage {
  const param = `messages[${i}].content`;
  switch (message.role) {
    case 'system':
    case 'developer':
      return { role: 'system', content: textOf(message.content, param, false).text };
    case 'user': {
      const { text, images } = textOf(message.content, param, true);
      return images.length
        ? { role: 'user', content: text, images }
        : { role: 'user', content: text };
    }
    case 'assistant': {
      const out: OllamaMessage = {
        role: 'assistant',
        content: textOf(message.content, param, false).text,
      };
      if (message.tool_calls?.length) {
        out.tool_calls = message.tool_calls.map((call, j) => {
          toolNames.set(call.id, call.function.name);
          return {
            id: call.id,
            function: {
              name: call.function.name,
              arguments: toolArguments(
                call.function.arguments,
                `messages[${i}].tool_calls[${j}].function.arguments`,
              ),
            },
          };
        });
      }
      return out;
    }
    case 'tool': {
      const out: OllamaMessage = {
        role: 'tool',
        content: textOf(message.content, param, false).text,
      };
      // Both, as Ollama's own OpenAI layer sends them: the call's id, and the name templates use.
      if (message.tool_call_id) out.tool_call_id = message.tool_call_id;
      const name = message.tool_call_id ? toolNames.get(message.tool_call_id) : undefined;
      if (name) out.tool_name = name;
      return out;
    }
  }
}

function textOf(
  content: ChatMessage['content'],
  param: string,
  imagesAllowed: boolean,
): { text: string; images: string[] } {
  if (content === undefined || content === null) return { text: '', images: [] };
  if (typeof content === 'string') return { text: content, images: [] };
  const texts: string[] = [];
  const images: string[] = [];
  content.forEach((part: ContentPart, j) => {
    if (part.type === 'text') texts.push(part.text);
    else if (part.type === 'refusal') texts.push(part.refusal);
    else if (part.type === 'image_url' && imagesAllowed) {
      const data = DATA_URL.exec(part.image_url.url);
      if (!data)
        throw unsupported(
          'Ollama takes images as data: URLs only (it cannot fetch http URLs)',
          `${param}[${j}]`,
        );
      images.push(data[2]);
    } else {
      throw unsupported(`Ollama does not take ${part.type} content here`, `${param}[${j}]`);
    }
  });
  return { text: texts.join(''), images };
}

function toolArguments(args: string, param: string): Record<string, unknown> {
  const value = argumentsObject(args);
  if (!value)
    throw unsupported('Tool-call arguments must be a JSON object to pass them to Ollama', param);
  return value;
}

function unsupported(message: string, param: string): ConnectorError {
  return new ConnectorError(ConnectorErrorCode.UNSUPPORTED_INPUT, message, { param });
}

// ---- answers ----

/** One line of Ollama's answer (`ChatResponse`, or `{ error }` when it fails mid-stream). */
export type OllamaLine = Partial<ChatResponse> & { error?: string };

/**
 * Turns the lines of one answer (streamed or the single unstreamed one) into neutral
 * events. Ollama sends each tool call whole, with its id (older versions without one: it is
 * made up here). `message.thinking` has no place in a chat completion and is dropped: a line
 * of thinking alone makes no event, and a line's log probabilities go with its text only when
 * it holds no thinking (they score both, in one list that cannot be split). `done_reason`
 * `load` (the model was only loaded, nothing generated) finishes as `stop`.
 */
export class OllamaTranslator {
  private tools = 0;
  /** Scores of text Ollama holds back (its tool parser may) and sends later, unscored. */
  private held?: TokenLogprob[];

  /** Appends the events of `line` to `out`; true once the answer is done. */
  push(line: OllamaLine, out: ChatEvent[]): boolean {
    const message = line.message;
    if (message) {
      const scores =
        line.logprobs?.length && !message.thinking ? line.logprobs.map(toTokenLogprob) : [];
      if (message.content) {
        const logprobs = this.held ? [...this.held, ...scores] : scores;
        this.held = undefined;
        out.push(
          logprobs.length
            ? { type: 'text', text: message.content, logprobs }
            : { type: 'text', text: message.content },
        );
      } else if (scores.length) (this.held ??= []).push(...scores);
      // Held text that turned out to be a tool call: its scores are no text's.
      if (message.tool_calls?.length) this.held = undefined;
      for (const call of (message.tool_calls ?? []) as OllamaToolCall[]) {
        const args = call.function.arguments as unknown;
        out.push({
          type: 'tool_call',
          index: this.tools++,
          id:
            typeof call.id === 'string' && call.id
              ? call.id
              : `call_${randomBytes(12).toString('base64url')}`,
          name: call.function.name,
          arguments: typeof args === 'string' ? args : JSON.stringify(args ?? {}),
        });
      }
    }
    if (!line.done) return false;
    out.push({ type: 'usage', usage: toUsage(line) });
    out.push({
      type: 'finish',
      reason: this.tools > 0 ? 'tool_calls' : line.done_reason === 'length' ? 'length' : 'stop',
    });
    return true;
  }
}

/** Ollama's token (`bytes` only when it sent them) in OpenAI's shape, where `bytes` may be null. */
function toTokenLogprob(token: Logprob): TokenLogprob {
  const bytes = (t: object): number[] | null => (t as { bytes?: number[] }).bytes ?? null;
  return {
    token: token.token,
    logprob: token.logprob,
    bytes: bytes(token),
    top_logprobs: (token.top_logprobs ?? []).map((top) => ({
      token: top.token,
      logprob: top.logprob,
      bytes: bytes(top),
    })),
  };
}

export function toUsage(line: OllamaLine): Usage {
  const prompt = line.prompt_eval_count ?? 0;
  const completion = line.eval_count ?? 0;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
  };
}
