import type { ChatEvent, ToolCall } from './chat.types.js';

/**
 * Adds a streamed `tool_call` event to the calls assembled so far, as OpenAI streams them:
 * fragments of one call share its index, the id comes once, name and arguments in pieces.
 * `calls` may have holes where an index was skipped.
 */
export function addToolCallFragment(
  calls: ToolCall[],
  event: Extract<ChatEvent, { type: 'tool_call' }>,
): void {
  const call = (calls[event.index] ??= {
    id: '',
    type: 'function',
    function: { name: '', arguments: '' },
  });
  if (event.id) call.id = event.id;
  if (event.name) call.function.name += event.name;
  if (event.arguments) call.function.arguments += event.arguments;
}
