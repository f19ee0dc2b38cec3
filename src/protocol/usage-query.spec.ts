import { describe, expect, it } from '@jest/globals';
import { ProtocolError } from './protocol.error.js';
import { cursorOf, parseUsageQuery } from './usage-query.js';

const DAY = 86_400;
const NOW_MS = Date.UTC(2026, 2, 10, 15); // 2026-03-10 15:00 UTC
const today = Math.floor(NOW_MS / 1000 / DAY);

describe('parseUsageQuery', () => {
  it('covers whole UTC days from start_time up to today, 7 buckets a page', () => {
    expect(parseUsageQuery({ start_time: String((today - 2) * DAY + 5) }, NOW_MS)).toEqual({
      fromDay: today - 2,
      toDay: today + 1,
      pageDay: today - 2,
      limit: 7,
      byUser: false,
      byModel: false,
    });
  });

  it('ends with the day end_time falls in, end_time itself excluded', () => {
    const start = String(today * DAY);
    expect(parseUsageQuery({ start_time: start, end_time: String(today * DAY + 1) }).toDay).toBe(
      today + 1,
    );
    expect(parseUsageQuery({ start_time: start, end_time: String((today + 1) * DAY) }).toDay).toBe(
      today + 1,
    );
  });

  it('reads arrays as name[]=… (OpenAI SDKs) and as repeated names', () => {
    const query = parseUsageQuery({
      start_time: '0',
      'group_by[]': ['user_id', 'model'],
      user_ids: ['a', 'b'],
      'models[]': 'echo',
    });
    expect(query).toMatchObject({
      byUser: true,
      byModel: true,
      userIds: new Set(['a', 'b']),
      models: new Set(['echo']),
    });
  });

  it('starts at the bucket a next_page names, within the range only', () => {
    const start = String((today - 5) * DAY);
    expect(parseUsageQuery({ start_time: start, page: cursorOf(today - 2) }, NOW_MS).pageDay).toBe(
      today - 2,
    );
    for (const page of [cursorOf(today - 6), cursorOf(today + 1), 'page_x'])
      expect(() => parseUsageQuery({ start_time: start, page }, NOW_MS)).toThrow(ProtocolError);
  });

  it('refuses a parameter given twice that takes one value', () => {
    expect(() => parseUsageQuery({ start_time: ['1', '2'] })).toThrow(/single value/);
  });
});
