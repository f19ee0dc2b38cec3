import type { ChatRequest } from '../common/chat.types.js';
import type { ChatCompletionRequestDto } from './dto/chat-completion-request.dto.js';

/** The validated body as the neutral request OLs receive: nulls dropped, `user` a string. */
export function toChatRequest(body: ChatCompletionRequestDto): ChatRequest {
  const request: ChatRequest = { messages: body.messages };
  const copy = <K extends keyof ChatRequest & keyof ChatCompletionRequestDto>(key: K): void => {
    const value = body[key];
    if (value !== undefined && value !== null) (request as Record<K, unknown>)[key] = value;
  };
  copy('tools');
  copy('tool_choice');
  copy('parallel_tool_calls');
  copy('temperature');
  copy('top_p');
  copy('max_tokens');
  copy('max_completion_tokens');
  copy('presence_penalty');
  copy('frequency_penalty');
  copy('stop');
  copy('seed');
  copy('response_format');
  copy('logit_bias');
  copy('reasoning_effort');
  copy('logprobs');
  copy('top_logprobs');
  copy('safety_identifier');
  copy('prompt_cache_key');
  copy('verbosity');
  copy('service_tier');
  const user = endUserOf(body.user);
  if (user) request.user = user;
  return request;
}

/** Open WebUI may send `user` as `{ id, name, email, role }`: keep a stable id. */
function endUserOf(user: ChatCompletionRequestDto['user']): string | undefined {
  if (typeof user === 'string') return user || undefined;
  if (!user) return undefined;
  for (const key of ['id', 'email', 'name']) {
    if (typeof user[key] === 'string' && user[key]) return user[key];
  }
  return undefined;
}
