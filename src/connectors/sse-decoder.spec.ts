import { describe, expect, it } from '@jest/globals';
import { SseDecoder } from './sse-decoder.js';

describe('SseDecoder', () => {
  it('yields events as they complete, whatever the chunk boundaries', () => {
    const text = 'event: message_start\ndata: {"a":1}\n\ndata: {"b":2}\n\ndata: [DONE]\n\n';
    for (let size = 1; size <= text.length; size++) {
      const decoder = new SseDecoder();
      const events = [];
      for (let i = 0; i < text.length; i += size)
        events.push(...decoder.push(text.slice(i, i + size)));
      expect(events).toEqual([
        { event: 'message_start', data: '{"a":1}' },
        { data: '{"b":2}' },
        { data: '[DONE]' },
      ]);
    }
  });

  it('handles CRLF, multi-line data, comments, other fields and a missing space after the colon', () => {
    const decoder = new SseDecoder();
    expect(
      decoder.push(': keep-alive\r\nid: 7\r\nretry: 10\r\ndata:line one\r\ndata: line two\r\n\r\n'),
    ).toEqual([{ data: 'line one\nline two' }]);
  });

  it('keeps an unfinished event until its blank line, and skips events without data', () => {
    const decoder = new SseDecoder();
    expect(decoder.push('event: ping\n\ndata: {"x"')).toEqual([]);
    expect(decoder.push(':1}\n')).toEqual([]);
    expect(decoder.push('\n')).toEqual([{ data: '{"x":1}' }]);
  });
});
