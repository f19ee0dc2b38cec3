import { describe, expect, it, jest } from '@jest/globals';
import type { ChatMessage } from '../../common/chat.types.js';
import { MemoryStore } from '../../storage/memory.store.js';
import type { AssistantTurn } from './anthropic-translation.js';
import { ThinkingTurns } from './thinking-turns.js';

const turn = (id: string): AssistantTurn => [
  { type: 'thinking', thinking: `about ${id}`, signature: 'sig' },
  { type: 'tool_use', id, name: 'f', input: {} },
];
const called = (id: string): ChatMessage => ({
  role: 'assistant',
  content: null,
  tool_calls: [{ id, type: 'function', function: { name: 'f', arguments: '{}' } }],
});
const result = (id: string): ChatMessage => ({ role: 'tool', tool_call_id: id, content: 'ok' });
const logger = { log: jest.fn(), error: jest.fn(), warn: jest.fn() };

describe('ThinkingTurns', () => {
  it('recalls the turns of the tool-use loop since the last user message only', async () => {
    const store = new MemoryStore();
    const turns = new ThinkingTurns(store, 'claude', logger);
    for (const id of ['t1', 't2', 't3']) await turns.remember(turn(id));
    const get = jest.spyOn(store, 'get');
    const kept = await turns.recall([
      { role: 'user', content: 'a' },
      called('t1'),
      result('t1'),
      { role: 'assistant', content: 'Done.' },
      { role: 'user', content: 'b' },
      called('t2'),
      result('t2'),
      called('t3'),
      result('t3'),
    ]);
    expect([...kept.keys()].sort()).toEqual(['t2', 't3']);
    expect(kept.get('t3')).toEqual(turn('t3'));
    expect(get).toHaveBeenCalledTimes(2);

    get.mockClear();
    expect((await turns.recall([{ role: 'user', content: 'c' }])).size).toBe(0);
    expect(get).not.toHaveBeenCalled();
  });

  it('recalls across a user message the client added after the tool results', async () => {
    const turns = new ThinkingTurns(new MemoryStore(), 'claude', logger);
    await turns.remember(turn('t1'));
    const kept = await turns.recall([
      { role: 'user', content: 'a' },
      called('t1'),
      result('t1'),
      {
        role: 'user',
        content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,AA' } }],
      },
    ]);
    expect([...kept.keys()]).toEqual(['t1']);
  });

  it('keeps turns apart per connector', async () => {
    const store = new MemoryStore();
    await new ThinkingTurns(store, 'a', logger).remember(turn('t1'));
    expect((await new ThinkingTurns(store, 'b', logger).recall([called('t1')])).size).toBe(0);
  });

  it('goes on without thinking when the store fails, saying so', async () => {
    const store = new MemoryStore();
    jest.spyOn(store, 'get').mockRejectedValue(new Error('down'));
    jest.spyOn(store, 'set').mockRejectedValue(new Error('down'));
    const turns = new ThinkingTurns(store, 'claude', logger);
    await expect(turns.remember(turn('t1'))).resolves.toBeUndefined();
    await expect(turns.recall([called('t1'), result('t1'), called('t2')])).resolves.toEqual(
      new Map(),
    );
    // One line per request, however many turns it missed.
    expect(logger.warn).toHaveBeenCalledTimes(2);
  });
});
