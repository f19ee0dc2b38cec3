import { describe, expect, it, jest } from '@jest/globals';
import { CurrentTimeTool } from './current-time.tool.js';

describe('current_time tool', () => {
  const tool = new CurrentTimeTool();

  it('tells the time in UTC and in an IANA zone, with the offset in force', () => {
    jest.useFakeTimers({ now: new Date('2026-07-14T10:30:05Z') });
    try {
      expect(tool.run({ timezone: 'UTC' })).toEqual({
        timezone: 'UTC',
        local: '2026-07-14T10:30:05+00:00',
        weekday: 'Tuesday',
        utc: '2026-07-14T10:30:05.000Z',
      });
      expect(tool.run({ timezone: 'Europe/Paris' })).toMatchObject({
        timezone: 'Europe/Paris',
        local: '2026-07-14T12:30:05+02:00',
      });
      expect(tool.run({ timezone: 'Asia/Kolkata' })).toMatchObject({
        local: '2026-07-14T16:00:05+05:30',
      });
      expect(tool.run({ timezone: 'America/New_York' })).toMatchObject({
        local: '2026-07-14T06:30:05-04:00',
      });
    } finally {
      jest.useRealTimers();
    }
  });

  it('refuses an unknown zone with a hint', () => {
    expect(() => tool.run({ timezone: 'Mars/Olympus' })).toThrow(
      /unknown time zone "Mars\/Olympus"/,
    );
  });
});
