import type { UsageScope } from '../auth/usage-access.service.js';
import type { UsageRow } from '../session/usage-ledger.js';
import { cursorOf, DAY_SECONDS, type UsageQuery } from './usage-query.js';

/** OpenAI's `UsageCompletionsResult`, with what this service keeps. */
export interface UsageCompletionsResult {
  object: 'organization.usage.completions.result';
  input_tokens: number;
  output_tokens: number;
  input_cached_tokens: number;
  input_audio_tokens: 0;
  output_audio_tokens: 0;
  num_model_requests: number;
  project_id: null;
  /** The key's user (end users under it are summed in); set when grouped by `user_id`. */
  user_id: string | null;
  api_key_id: null;
  /** The OL id; set when grouped by `model`. */
  model: string | null;
  batch: null;
}

export interface UsageTimeBucket {
  object: 'bucket';
  start_time: number;
  end_time: number;
  results: UsageCompletionsResult[];
}

export interface UsagePage {
  object: 'page';
  data: UsageTimeBucket[];
  has_more: boolean;
  next_page: string | null;
}

/**
 * One page of OpenAI's `UsageResponse`: a bucket per UTC day from `query.pageDay` (`days[i]`
 * holds day `pageDay + i`), rows outside the caller's scope or the query's filters left out,
 * the rest summed per group (one result for the whole day without `group_by`).
 */
export function usagePage(
  query: UsageQuery,
  scope: UsageScope,
  days: readonly UsageRow[][],
): UsagePage {
  const next = query.pageDay + days.length;
  const more = next < query.toDay;
  return {
    object: 'page',
    data: days.map((rows, i) => {
      const day = query.pageDay + i;
      return {
        object: 'bucket',
        start_time: day * DAY_SECONDS,
        end_time: (day + 1) * DAY_SECONDS,
        results: results(
          rows.filter((row) => visible(row, query, scope)),
          query,
        ),
      };
    }),
    has_more: more,
    next_page: more ? cursorOf(next) : null,
  };
}

function visible(row: UsageRow, query: UsageQuery, scope: UsageScope): boolean {
  if (!scope.everyone && row.userId !== scope.userId) return false;
  if (query.userIds && !query.userIds.has(row.userId)) return false;
  return !query.models || query.models.has(row.logicId);
}

function results(rows: UsageRow[], query: UsageQuery): UsageCompletionsResult[] {
  const groups = new Map<string, UsageCompletionsResult>();
  for (const row of rows) {
    const userId = query.byUser ? row.userId : null;
    const model = query.byModel ? row.logicId : null;
    const id = JSON.stringify([userId, model]);
    let result = groups.get(id);
    if (!result) {
      result = {
        object: 'organization.usage.completions.result',
        input_tokens: 0,
        output_tokens: 0,
        input_cached_tokens: 0,
        input_audio_tokens: 0,
        output_audio_tokens: 0,
        num_model_requests: 0,
        project_id: null,
        user_id: userId,
        api_key_id: null,
        model,
        batch: null,
      };
      groups.set(id, result);
    }
    result.input_tokens += row.inputTokens;
    result.output_tokens += row.outputTokens;
    result.input_cached_tokens += row.cachedInputTokens;
    result.num_model_requests += row.requests;
  }
  return [...groups.values()].sort(
    (a, b) =>
      (a.user_id ?? '').localeCompare(b.user_id ?? '') ||
      (a.model ?? '').localeCompare(b.model ?? ''),
  );
}
