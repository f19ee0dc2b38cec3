import type { ChatMessage, ContentPart, ImagePart, ToolCall } from '../../common/chat.types.js';
import { ProtocolError, ProtocolErrorCode } from '../protocol.error.js';

type Item = Record<string, unknown>;
const ROLES = ['user', 'assistant', 'system', 'developer'];
/** An image's `detail` as chat's nearest: `original` (full resolution) is at least `high`. */
const DETAILS = new Map<unknown, ImagePart['image_url']['detail']>([
  ['auto', 'auto'],
  ['low', 'low'],
  ['high', 'high'],
  ['original', 'high'],
]);

export function invalid(path: string, message: string): ProtocolError {
  return new ProtocolError(
    ProtocolErrorCode.INVALID_REQUEST,
    `Invalid '${path}': ${message}`,
    path,
  );
}

/** A value this service does not offer (OpenAI's `unsupported_value`). */
export function unsupported(path: string, message: string): ProtocolError {
  return new ProtocolError(ProtocolErrorCode.UNSUPPORTED, message, path);
}

/** A parameter this service does not offer at all, whatever its value (`unsupported_parameter`). */
export function unsupportedParameter(path: string, message: string): ProtocolError {
  return new ProtocolError(ProtocolErrorCode.UNSUPPORTED_PARAMETER, message, path);
}

function isObject(value: unknown): value is Item {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringAt(item: Item, key: string, path: string): string {
  const value = item[key];
  if (typeof value !== 'string') throw invalid(`${path}.${key}`, 'must be a string');
  return value;
}

/**
 * A Responses `input` as chat messages: messages keep their role, `function_call` items
 * become the assistant turn's `tool_calls` and `function_call_output` items tool messages,
 * each keeping its `call_id`. One response's output (messages and calls in any order, as
 * `text, call, text` streams) is one assistant turn: its text, then its calls — the order
 * chat upstreams accept, where tool results must follow the turn that called.
 */
export function inputMessages(input: string | unknown[]): ChatMessage[] {
  if (typeof input === 'string') return [{ role: 'user', content: input }];
  if (input.length === 0) throw invalid('input', 'must hold at least one item');
  const messages: ChatMessage[] = [];
  input.forEach((item, i) => {
    const path = `input[${i}]`;
    if (!isObject(item)) throw invalid(path, 'must be an object');
    const type = item.type ?? (item.role !== undefined ? 'message' : undefined);
    switch (type) {
      case 'message': {
        const next = message(item, path);
        const last = messages.at(-1);
        if (next.role === 'assistant' && last?.role === 'assistant' && last.tool_calls)
          joinAssistant(last, next);
        else messages.push(next);
        break;
      }
      case 'function_call': {
        const call: ToolCall = {
          id: nonEmpty(item, 'call_id', path),
          type: 'function',
          function: {
            name: stringAt(item, 'name', path),
            arguments: stringAt(item, 'arguments', path),
          },
        };
        const last = messages.at(-1);
        if (last?.role === 'assistant') (last.tool_calls ??= []).push(call);
        else messages.push({ role: 'assistant', content: null, tool_calls: [call] });
        break;
      }
      case 'function_call_output': {
        const output = item.output;
        const content =
          typeof output === 'string'
            ? output
            : Array.isArray(output)
              ? toolParts(output, `${path}.output`)
              : undefined;
        if (content === undefined)
          throw invalid(`${path}.output`, 'must be a string or an array of content parts');
        messages.push({ role: 'tool', tool_call_id: nonEmpty(item, 'call_id', path), content });
        break;
      }
      case 'item_reference':
        throw unsupported(
          `${path}.type`,
          `Input items of type 'item_reference' are not supported: send the items themselves, or continue a stored response with previous_response_id.`,
        );
      case undefined:
        throw invalid(`${path}.type`, 'an input item needs a type (or a role, for a message)');
      default:
        throw unsupported(
          `${path}.type`,
          `Input items of type '${String(type)}' are not supported: send messages, function_call and function_call_output items.`,
        );
    }
  });
  return messages;
}

function nonEmpty(item: Item, key: string, path: string): string {
  const value = stringAt(item, key, path);
  if (!value) throw invalid(`${path}.${key}`, 'must not be empty');
  return value;
}

function message(item: Item, path: string): ChatMessage {
  const role = item.role;
  if (typeof role !== 'string' || !ROLES.includes(role))
    throw invalid(`${path}.role`, `must be one of ${ROLES.join(', ')}`);
  const content = item.content;
  if (typeof content === 'string') return { role: role as ChatMessage['role'], content };
  if (!Array.isArray(content))
    throw invalid(`${path}.content`, 'must be a string or an array of content parts');
  if (role === 'assistant') return assistant(content, `${path}.content`);
  return { role: role as ChatMessage['role'], content: parts(content, `${path}.content`) };
}

/** Text said after the turn's calls joins its text (and refusal). */
function joinAssistant(turn: ChatMessage, next: ChatMessage): void {
  const text = (turn.content as string | null) ?? '';
  turn.content = text + ((next.content as string | null) ?? '') || null;
  if (next.refusal) turn.refusal = (turn.refusal ?? '') + next.refusal;
}

/**
 * A tool result's parts: text only. OpenAI's chat API refuses images and files in tool
 * messages, and the other connectors send tool results as text.
 */
function toolParts(content: unknown[], path: string): ContentPart[] {
  content.forEach((part, j) => {
    if (isObject(part) && (part.type === 'input_image' || part.type === 'input_file'))
      throw unsupported(
        `${path}[${j}].type`,
        `A function_call_output of type '${part.type}' is not supported: tool results are text here; send images and files in a user message.`,
      );
  });
  return parts(content, path);
}

/** An assistant turn as chat has it: its text as one string, a refusal beside it. */
function assistant(content: unknown[], path: string): ChatMessage {
  let text = '';
  let refusal: string | undefined;
  content.forEach((part, j) => {
    const at = `${path}[${j}]`;
    if (!isObject(part)) throw invalid(at, 'must be an object');
    if (part.type === 'output_text' || part.type === 'input_text')
      text += stringAt(part, 'text', at);
    else if (part.type === 'refusal') refusal = stringAt(part, 'refusal', at);
    else throw invalid(`${at}.type`, "an assistant message's parts must be output_text or refusal");
  });
  const message: ChatMessage = { role: 'assistant', content: text || (refusal ? null : '') };
  if (refusal !== undefined) message.refusal = refusal;
  return message;
}

/** Input content parts as chat content parts (what every connector understands). */
function parts(content: unknown[], path: string): ContentPart[] {
  return content.map((part, j) => {
    const at = `${path}[${j}]`;
    if (!isObject(part)) throw invalid(at, 'must be an object');
    switch (part.type) {
      case 'input_text':
      case 'output_text':
        return { type: 'text', text: stringAt(part, 'text', at) };
      case 'input_image': {
        if (typeof part.image_url !== 'string') {
          if (typeof part.file_id === 'string')
            throw unsupported(
              `${at}.file_id`,
              'Images by file_id are not supported: send image_url (a URL or a data URL).',
            );
          throw invalid(`${at}.image_url`, 'must be a string (a URL or a data URL)');
        }
        const detail = part.detail === undefined ? undefined : DETAILS.get(part.detail);
        if (part.detail !== undefined && !detail)
          throw invalid(`${at}.detail`, `must be one of ${[...DETAILS.keys()].join(', ')}`);
        return {
          type: 'image_url',
          image_url: { url: part.image_url, ...(detail ? { detail } : {}) },
        };
      }
      case 'input_file': {
        const file: { file_data?: string; file_id?: string; filename?: string } = {};
        if (typeof part.file_data === 'string') file.file_data = part.file_data;
        else if (typeof part.file_id === 'string') file.file_id = part.file_id;
        else if (part.file_url !== undefined)
          throw unsupported(
            `${at}.file_url`,
            'Files by file_url are not supported: send file_data.',
          );
        else throw invalid(`${at}.file_data`, 'must be a string (the file as a data URL)');
        if (typeof part.filename === 'string') file.filename = part.filename;
        return { type: 'file', file };
      }
      default:
        throw invalid(`${at}.type`, 'must be input_text, input_image or input_file');
    }
  });
}
