import type {
  ChatMessage,
  ChatRequest,
  FunctionTool,
  ResponseFormat,
  ToolChoice,
} from '../../common/chat.types.js';
import type { CreateResponseDto } from './dto/create-response.dto.js';
import type { ResponsesToolChoice } from './dto/responses.validators.js';
import {
  inputMessages,
  invalid,
  unsupported,
  unsupportedParameter,
} from './response-input.mapper.js';

const TOOL_NAME = /^[a-zA-Z0-9_.-]{1,64}$/;
const LOGPROBS = 'message.output_text.logprobs';
/**
 * OpenAI's IncludeEnum, a closed set. Only the logprobs are ever produced here: the others
 * add data to items this service never makes (hosted tool calls, reasoning items) or that
 * `input_items` always lists (input images' URLs), so asking for them changes nothing.
 */
const INCLUDES = new Set([
  'file_search_call.results',
  'web_search_call.results',
  'web_search_call.action.sources',
  'message.input_image.image_url',
  'computer_call_output.output.image_url',
  'code_interpreter_call.outputs',
  'reasoning.encrypted_content',
  LOGPROBS,
]);

/**
 * A validated Responses body as the neutral request OLs receive (the one chat completions
 * build too): `instructions` lead as a system message, then the items of the stored
 * conversation it continues (`prior`: a previous response's input and output), then `input`.
 */
export function toChatRequest(body: CreateResponseDto, prior: unknown[] = []): ChatRequest {
  refuseUnsupported(body);
  // Concatenated, never spread into a call: a long chain would overflow the stack.
  const messages: ChatMessage[] = [
    ...(body.instructions ? [{ role: 'system' as const, content: body.instructions }] : []),
    ...(prior.length ? inputMessages(prior) : []),
    ...inputMessages(body.input),
  ];
  const request: ChatRequest = { messages };
  const tools = body.tools?.map(functionTool) ?? [];
  if (body.tool_choice) {
    const { choice, offered } = toolChoice(body.tool_choice, tools);
    request.tool_choice = choice;
    if (offered.length) request.tools = offered;
  } else if (tools.length) request.tools = tools;
  if (typeof body.parallel_tool_calls === 'boolean')
    request.parallel_tool_calls = body.parallel_tool_calls;
  if (typeof body.temperature === 'number') request.temperature = body.temperature;
  if (typeof body.top_p === 'number') request.top_p = body.top_p;
  if (typeof body.max_output_tokens === 'number')
    request.max_completion_tokens = body.max_output_tokens;
  const format = responseFormat(body);
  if (format) request.response_format = format;
  if (body.reasoning?.effort) request.reasoning_effort = body.reasoning.effort;
  // As OpenAI: token logprobs only when `include` asks; top_logprobs alone adds none.
  if (includes(body).includes(LOGPROBS)) {
    request.logprobs = true;
    if (body.top_logprobs) request.top_logprobs = body.top_logprobs;
  }
  if (body.text?.verbosity) request.verbosity = body.text.verbosity;
  if (body.user) request.user = body.user;
  if (body.safety_identifier) request.safety_identifier = body.safety_identifier;
  if (body.prompt_cache_key) request.prompt_cache_key = body.prompt_cache_key;
  if (body.service_tier) request.service_tier = body.service_tier;
  return request;
}

/** `include`, every value one of OpenAI's (a closed set). */
function includes(body: CreateResponseDto): string[] {
  const values = body.include ?? [];
  values.forEach((value, i) => {
    if (!INCLUDES.has(value))
      throw invalid(`include[${i}]`, `'${value}' is not one of ${[...INCLUDES].join(', ')}`);
  });
  return values;
}

/** Features of the Responses API this service does not offer: a clear 400, never ignored. */
function refuseUnsupported(body: CreateResponseDto): void {
  if (body.conversation !== undefined && body.conversation !== null)
    throw unsupportedParameter(
      'conversation',
      'conversation is not supported: continue with previous_response_id, or send the whole conversation in `input`.',
    );
  if (body.prompt !== undefined && body.prompt !== null)
    throw unsupportedParameter(
      'prompt',
      'Stored prompts are not supported: send `instructions` and `input`.',
    );
  if (body.max_tool_calls !== undefined && body.max_tool_calls !== null)
    throw unsupportedParameter(
      'max_tool_calls',
      'max_tool_calls is not supported: the service runs no built-in tools it could count.',
    );
  if (body.moderation !== undefined && body.moderation !== null)
    throw unsupportedParameter(
      'moderation',
      'moderation is not supported: the service runs no moderation of input or output.',
    );
  if (body.context_management !== undefined && body.context_management !== null)
    throw unsupportedParameter(
      'context_management',
      'context_management is not supported: the input is never compacted, send less of it.',
    );
  if (body.background === true)
    throw unsupported(
      'background',
      'Background responses are not supported: stream the response instead.',
    );
  if (body.truncation === 'auto')
    throw unsupported(
      'truncation',
      "truncation 'auto' is not supported: the input is never cut, send less of it.",
    );
}

/**
 * `tool_choice` as chat's, and the tools then offered: `allowed_tools` over function tools
 * offers only those, in its mode (auto or required). Tools of other kinds are not offered.
 */
function toolChoice(
  choice: ResponsesToolChoice,
  tools: FunctionTool[],
): { choice: ToolChoice; offered: FunctionTool[] } {
  if (typeof choice === 'string') return { choice, offered: tools };
  const named = (name: unknown, path: string): FunctionTool => {
    if (typeof name !== 'string') throw invalid(path, 'must be a string');
    const tool = tools.find((t) => t.function.name === name);
    if (!tool) throw invalid(path, `no function tool named '${name}' in tools`);
    return tool;
  };
  switch (choice.type) {
    case 'function': {
      const tool = named(choice.name, 'tool_choice.name');
      return {
        choice: { type: 'function', function: { name: tool.function.name } },
        offered: tools,
      };
    }
    case 'allowed_tools': {
      if (choice.mode !== 'auto' && choice.mode !== 'required')
        throw invalid('tool_choice.mode', "must be 'auto' or 'required'");
      if (!Array.isArray(choice.tools) || !choice.tools.length)
        throw invalid('tool_choice.tools', 'must be a non-empty array of tools');
      const allowed = choice.tools.map((tool: unknown, i) => {
        const path = `tool_choice.tools[${i}]`;
        if (typeof tool !== 'object' || tool === null) throw invalid(path, 'must be an object');
        const { type, name } = tool as Record<string, unknown>;
        if (type !== 'function')
          throw unsupported(
            `${path}.type`,
            `Tool type '${String(type)}' is not supported: this service offers function tools only.`,
          );
        return named(name, `${path}.name`);
      });
      return { choice: choice.mode, offered: tools.filter((tool) => allowed.includes(tool)) };
    }
    default:
      throw unsupported(
        'tool_choice.type',
        `tool_choice of type '${String(choice.type)}' is not supported: this service offers function tools only.`,
      );
  }
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
