import type { ChatRequest, FunctionTool, ResponseFormat } from '../../common/chat.types.js';
import type { CreateResponseDto } from './dto/create-response.dto.js';
import { inputMessages, invalid, unsupported } from './response-input.mapper.js';

const TOOL_NAME = /^[a-zA-Z0-9_.-]{1,64}$/;
const LOGPROBS = 'message.output_text.logprobs';

/**
 * A validated Responses body as the neutral request OLs receive (the one chat completions
 * build too): `instructions` lead as a system message, then the items of the stored
 * conversation it continues (`prior`: a previous response's input and output), then `input`.
 */
export function toChatRequest(body: CreateResponseDto, prior: unknown[] = []): ChatRequest {
  refuseUnsupported(body);
  const messages = inputMessages(body.input);
  if (prior.length) messages.unshift(...inputMessages(prior));
  if (body.instructions) messages.unshift({ role: 'system', content: body.instructions });
  const request: ChatRequest = { messages };
  if (body.tools?.length) request.tools = body.tools.map(functionTool);
  const choice = body.tool_choice;
  if (choice)
    request.tool_choice =
      typeof choice === 'string' ? choice : { type: 'function', function: { name: choice.name } };
  if (typeof body.parallel_tool_calls === 'boolean')
    request.parallel_tool_calls = body.parallel_tool_calls;
  if (typeof body.temperature === 'number') request.temperature = body.temperature;
  if (typeof body.top_p === 'number') request.top_p = body.top_p;
  if (typeof body.max_output_tokens === 'number')
    request.max_completion_tokens = body.max_output_tokens;
  const format = responseFormat(body);
  if (format) request.response_format = format;
  if (body.reasoning?.effort) request.reasoning_effort = body.reasoning.effort;
  if (body.include?.includes(LOGPROBS) || body.top_logprobs) {
    request.logprobs = true;
    if (body.top_logprobs) request.top_logprobs = body.top_logprobs;
  }
  const user = body.safety_identifier || body.user;
  if (user) request.user = user;
  return request;
}

/** Features of the Responses API this service does not offer: a clear 400, never ignored. */
function refuseUnsupported(body: CreateResponseDto): void {
  if (body.conversation !== undefined && body.conversation !== null)
    throw unsupported(
      'conversation',
      'conversation is not supported: continue with previous_response_id, or send the whole conversation in `input`.',
    );
  if (body.prompt !== undefined && body.prompt !== null)
    throw unsupported(
      'prompt',
      'Stored prompts are not supported: send `instructions` and `input`.',
    );
  if (body.background === true)
    throw unsupported(
      'background',
      'Background responses are not supported: stream the response instead.',
    );
}

/** `tools[i]`: only function tools; hosted tools (web_search, file_search, mcp, …) are refused. */
function functionTool(tool: Record<string, unknown>, i: number): FunctionTool {
  const path = `tools[${i}]`;
  if (tool.type !== 'function')
    throw unsupported(
      `${path}.type`,
      `Tool type '${String(tool.type)}' is not supported: this service offers function tools only (your code runs the calls).`,
    );
  if (typeof tool.name !== 'string' || !TOOL_NAME.test(tool.name))
    throw invalid(`${path}.name`, 'must be 1-64 letters, digits, underscores, dots or dashes');
  const fn: FunctionTool['function'] = { name: tool.name };
  if (tool.description !== undefined && tool.description !== null) {
    if (typeof tool.description !== 'string')
      throw invalid(`${path}.description`, 'must be a string');
    fn.description = tool.description;
  }
  if (tool.parameters !== undefined && tool.parameters !== null) {
    if (typeof tool.parameters !== 'object' || Array.isArray(tool.parameters))
      throw invalid(`${path}.parameters`, 'must be a JSON Schema object');
    fn.parameters = tool.parameters as Record<string, unknown>;
  }
  if (tool.strict !== undefined && tool.strict !== null) {
    if (typeof tool.strict !== 'boolean') throw invalid(`${path}.strict`, 'must be a boolean');
    fn.strict = tool.strict;
  }
  return { type: 'function', function: fn };
}

function responseFormat(body: CreateResponseDto): ResponseFormat | undefined {
  const format = body.text?.format;
  if (!format || format.type === 'text') return undefined;
  if (format.type === 'json_object') return { type: 'json_object' };
  return {
    type: 'json_schema',
    json_schema: {
      name: format.name!,
      ...(format.description !== undefined ? { description: format.description } : {}),
      schema: format.schema,
      ...(typeof format.strict === 'boolean' ? { strict: format.strict } : {}),
    },
  };
}
