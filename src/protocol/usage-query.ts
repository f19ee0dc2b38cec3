import type { Request } from 'express';
import { ProtocolError, ProtocolErrorCode } from './protocol.error.js';

export const DAY_SECONDS = 86_400;
/** OpenAI's bounds on `limit` for daily buckets. */
const DEFAULT_LIMIT = 7;
const MAX_LIMIT = 31;
const GROUPS = new Set(['user_id', 'model']);
/** Filters of OpenAI's that this ledger cannot apply (no projects, keys or batches are kept). */
const UNSUPPORTED = ['project_ids', 'api_key_ids', 'batch'];
const CURSOR = /^page_(\d{1,12})$/;
const UNIX_SECONDS = /^\d{1,12}$/;

/** `GET /v1/organization/usage/completions`'s query, checked: buckets are UTC days since the epoch. */
export interface UsageQuery {
  /** The first bucket of the range (the day `start_time` falls in). */
  fromDay: number;
  /** Past the last bucket: the day `end_time` (exclusive) ends, else after today. */
  toDay: number;
  /** The first bucket of this page (`page`, else `fromDay`). */
  pageDay: number;
  /** Buckets per page. */
  limit: number;
  byUser: boolean;
  byModel: boolean;
  userIds?: ReadonlySet<string>;
  /** OL ids. */
  models?: ReadonlySet<string>;
}

/**
 * Reads OpenAI's parameters of operation `usage-completions`. Arrays come as `name[]=…`
 * (what OpenAI's SDKs send) or repeated `name=…`. Any fault is a 400 naming the parameter.
 */
export function parseUsageQuery(query: Request['query'], nowMs = Date.now()): UsageQuery {
  const params = query as Record<string, unknown>;
  for (const name of UNSUPPORTED) {
    if (list(params, name))
      throw invalid(name, `'${name}' is not supported: usage is kept per user and model only`);
  }
  const start = seconds(params, 'start_time');
  if (start === undefined) throw invalid('start_time', "Missing required parameter: 'start_time'.");
  const end = seconds(params, 'end_time');
  if (end !== undefined && end <= start)
    throw invalid('end_time', "Invalid 'end_time': must be after 'start_time'.");
  const width = single(params, 'bucket_width');
  if (width !== undefined && width !== '1d')
    throw invalid(
      'bucket_width',
      `Invalid 'bucket_width': only '1d' is supported, usage is kept per UTC day.`,
    );
  const groups = list(params, 'group_by') ?? [];
  const unknown = groups.find((group) => !GROUPS.has(group));
  if (unknown !== undefined)
    throw invalid(
      'group_by',
      `Invalid 'group_by': '${unknown.slice(0, 64)}' is not supported (user_id, model).`,
    );

  const fromDay = Math.floor(start / DAY_SECONDS);
  const toDay =
    end === undefined ? Math.floor(nowMs / 1000 / DAY_SECONDS) + 1 : Math.ceil(end / DAY_SECONDS);
  const userIds = list(params, 'user_ids');
  const models = list(params, 'models');
  return {
    fromDay,
    toDay,
    pageDay: page(params, fromDay, toDay),
    limit: limit(params),
    byUser: groups.includes('user_id'),
    byModel: groups.includes('model'),
    ...(userIds ? { userIds: new Set(userIds) } : {}),
    ...(models ? { models: new Set(models) } : {}),
  };
}

/** The `page` cursor that starts at bucket `day`. */
export function cursorOf(day: number): string {
  return `page_${day * DAY_SECONDS}`;
}

function page(params: Record<string, unknown>, fromDay: number, toDay: number): number {
  const cursor = single(params, 'page');
  if (cursor === undefined) return fromDay;
  const match = CURSOR.exec(cursor);
  const day = match ? Math.floor(Number(match[1]) / DAY_SECONDS) : Number.NaN;
  if (!(day >= fromDay && day < toDay))
    throw invalid('page', "Invalid 'page': not a 'next_page' of this query.");
  return day;
}

function limit(params: Record<string, unknown>): number {
  const value = single(params, 'limit');
  if (value === undefined) return DEFAULT_LIMIT;
  const n = /^\d{1,3}$/.test(value) ? Number(value) : Number.NaN;
  if (!(n >= 1 && n <= MAX_LIMIT))
    throw invalid('limit', `Invalid 'limit': an integer from 1 to ${MAX_LIMIT} for '1d' buckets.`);
  return n;
}

function seconds(params: Record<string, unknown>, name: string): number | undefined {
  const value = single(params, name);
  if (value === undefined) return undefined;
  if (!UNIX_SECONDS.test(value))
    throw invalid(name, `Invalid '${name}': expected a Unix timestamp in seconds.`);
  return Number(value);
}

/** A parameter given at most once. */
function single(params: Record<string, unknown>, name: string): string | undefined {
  const value = params[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalid(name, `Invalid '${name}': expected a single value.`);
  return value;
}

/** An array parameter, from `name[]=a&name[]=b` or `name=a&name=b`; undefined when absent. */
function list(params: Record<string, unknown>, name: string): string[] | undefined {
  const values = [params[name], params[`${name}[]`]]
    .flat()
    .filter((value): value is string => typeof value === 'string');
  return values.length ? values : undefined;
}

function invalid(param: string, message: string): ProtocolError {
  return new ProtocolError(ProtocolErrorCode.INVALID_REQUEST, message, param);
}
