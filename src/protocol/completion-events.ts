import type {
  ChatEvent,
  FinishReason,
  TokenLogprob,
  ToolCall,
  Usage,
} from '../common/chat.types.js';
import { addToolCallFragment } from '../common/tool-call-fragments.js';

/** Sums usage events: multi-step OLs report each step, clients see the total. */
export function addUsage(total: Usage | undefined, usage: Usage): Usage {
  if (!total) return { ...usage };
  const sum: Usage = {
    prompt_tokens: total.prompt_tokens + usage.prompt_tokens,
    completion_tokens: total.completion_tokens + usage.completion_tokens,
    total_tokens: total.total_tokens + usage.total_tokens,
  };
  const cached =
    (total.prompt_tokens_details?.cached_tokens ?? 0) +
    (usage.prompt_tokens_details?.cached_tokens ?? 0);
  if (total.prompt_tokens_details || usage.prompt_tokens_details)
    sum.prompt_tokens_details = { cached_tokens: cached };
  const reasoning =
    (total.completion_tokens_details?.reasoning_tokens ?? 0) +
    (usage.completion_tokens_details?.reasoning_tokens ?? 0);
  if (total.completion_tokens_details || usage.completion_tokens_details)
    sum.completion_tokens_details = { reasoning_tokens: reasoning };
  return sum;
}

/** The finish reason an OL gave, or the one its output implies. */
export function finishReasonOf(
  given: FinishReason | undefined,
  sawToolCalls: boolean,
): FinishReason {
  return given ?? (sawToolCalls ? 'tool_calls' : 'stop');
}

/** Everything a non-streaming response needs, gathered from the event stream. */
export interface CompletionResult {
  content: string;
  /** The content's tokens with their log probabilities, when the OL passed them on. */
  logprobs?: TokenLogprob[];
  toolCalls: ToolCall[];
  usage?: Usage;
  finishReason: FinishReason;
}

/**
 * `onUsage` is called once with the usage reported so far, also when the events fail or are
 * aborted midway: those tokens were spent.
 */
export async function collectEvents(
  events: AsyncIterable<ChatEvent>,
  onUsage: (usage: Usage | undefined) => void,
): Promise<CompletionResult> {
  let content = '';
  let logprobs: TokenLogprob[] | undefined;
  // An answer's logprobs cover all of its text or are null: an OL's own words have none.
  let unscored = false;
  const calls: ToolCall[] = [];
  let usage: Usage | undefined;
  let finish: FinishReason | undefined;
  try {
    for await (const event of events) {
      switch (event.type) {
        case 'text':
          content += event.text;
          if (event.logprobs) {
            // One by one: an answer may hold more tokens than push(...) takes arguments.
            for (const token of event.logprobs) (logprobs ??= []).push(token);
          } else if (event.text) unscored = true;
          break;
        case 'tool_call':
          addToolCallFragment(calls, event);
          break;
        case 'usage':
          usage = addUsage(usage, event.usage);
          break;
        case 'finish':
          finish = event.reason;
          break;
      }
    }
  } finally {
    onUsage(usage);
  }
  const toolCalls = calls.filter(Boolean);
  const finishReason = finishReasonOf(finish, toolCalls.length > 0);
  return { content, logprobs: unscored ? undefined : logprobs, toolCalls, usage, finishReason };
}
