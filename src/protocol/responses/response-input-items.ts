import type { Request } from 'express';
import { invalid } from './response-input.mapper.js';
import { newId } from './response-object.js';

type Item = Record<string, unknown>;
const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 100;
const STATUSES = ['in_progress', 'completed', 'incomplete'];

/**
 * Stored input items, each with an `id` so that `input_items` pages stably: its own when it
 * came with one (output sent back as input), else a new one of its kind. Items are checked
 * (`inputMessages`) before they are stored, so each is an object of a known type.
 */
export function withIds(items: unknown[]): Item[] {
  return (items as Item[]).map((item) => {
    if (typeof item.id === 'string' && item.id) return item;
    const prefix =
      item.type === 'function_call' ? 'fc' : item.type === 'function_call_output' ? 'fco' : 'msg';
    return { ...item, id: newId(prefix) };
  });
}

/**
 * `GET /v1/responses/{id}/input_items`: one page (OpenAI's `ResponseItemList`) of the items a
 * stored response answered, newest first unless `order=asc`. `include` changes nothing: what
 * was stored is listed whole.
 */
export function inputItemsPage(items: Item[], query: Request['query']): Record<string, unknown> {
  const limit = limitOf(query.limit);
  const order = single(query.order, 'order');
  if (order !== undefined && order !== 'asc' && order !== 'desc')
    throw invalid('order', "must be 'asc' or 'desc'");
  const after = single(query.after, 'after');
  const ordered = order === 'asc' ? items : items.toReversed();
  let start = 0;
  if (after !== undefined) {
    start = ordered.findIndex((item) => item.id === after) + 1;
    if (!start) throw invalid('after', 'no input item of this response has that id');
  }
  const data = ordered.slice(start, start + limit).map(resource);
  return {
    object: 'list',
    data,
    has_more: start + limit < ordered.length,
    first_id: data.at(0)?.id ?? null,
    last_id: data.at(-1)?.id ?? null,
  };
}

function single(value: unknown, name: string): string | undefined {
  if (value !== undefined && typeof value !== 'string') throw invalid(name, 'must be given once');
  return value;
}

function limitOf(value: unknown): number {
  const text = single(value, 'limit');
  if (text === undefined) return DEFAULT_LIMIT;
  const limit = /^\d{1,3}$/.test(text) ? Number(text) : NaN;
  if (!(limit >= 1 && limit <= MAX_LIMIT))
    throw invalid('limit', `must be an integer from 1 to ${MAX_LIMIT}`);
  return limit;
}

/**
 * A stored item as OpenAI lists it (`ItemResource`), built from the fields the service reads
 * (what else the client sent is not echoed): input messages with their content as parts,
 * assistant messages as output messages, function calls and their outputs.
 */
function resource(item: Item): Item {
  const { id } = item;
  const status = STATUSES.includes(item.status as string) ? item.status : 'completed';
  switch (item.type) {
    case 'function_call':
      return {
        id,
        type: 'function_call',
        status,
        call_id: item.call_id,
        name: item.name,
        arguments: item.arguments,
      };
    case 'function_call_output':
      return {
        id,
        type: 'function_call_output',
        status: 'completed',
        call_id: item.call_id,
        output: typeof item.output === 'string' ? item.output : parts(item.output).map(inputPart),
      };
    default: {
      const role = item.role;
      if (role === 'assistant')
        return { id, type: 'message', role, status, content: parts(item.content).map(outputPart) };
      return {
        id,
        type: 'message',
        role,
        status: 'completed',
        content: parts(item.content).map(inputPart),
      };
    }
  }
}

/** Content as parts: a string is one text part. */
function parts(content: unknown): Item[] {
  return typeof content === 'string'
    ? [{ type: 'input_text', text: content }]
    : (content as Item[]);
}

function inputPart(part: Item): Item {
  switch (part.type) {
    case 'input_image':
      return {
        type: 'input_image',
        image_url: part.image_url,
        detail: part.detail ?? 'auto',
      };
    case 'input_file': {
      const file: Item = { type: 'input_file' };
      for (const key of ['file_data', 'file_id', 'filename'])
        if (typeof part[key] === 'string') file[key] = part[key];
      return file;
    }
    default:
      return { type: 'input_text', text: part.text };
  }
}

function outputPart(part: Item): Item {
  if (part.type === 'refusal') return { type: 'refusal', refusal: part.refusal };
  return { type: 'output_text', text: part.text, annotations: [], logprobs: [] };
}
