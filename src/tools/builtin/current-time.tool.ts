import { Tool, ToolError, type ToolHandler } from '../tool.decorator.js';

interface CurrentTimeArgs {
  timezone: string;
}

/** The current date and time, in UTC or an IANA time zone. */
@Tool({
  name: 'current_time',
  description:
    'Get the current date and time, in UTC or in an IANA time zone such as "Europe/Paris".',
  parameters: {
    type: 'object',
    properties: {
      timezone: {
        type: 'string',
        default: 'UTC',
        maxLength: 64,
        description: 'IANA time zone; default UTC.',
      },
    },
    additionalProperties: false,
  },
})
export class CurrentTimeTool implements ToolHandler<CurrentTimeArgs> {
  run({ timezone }: CurrentTimeArgs): Record<string, string> {
    let format: Intl.DateTimeFormat;
    try {
      format = new Intl.DateTimeFormat('en-US', {
        timeZone: timezone,
        hourCycle: 'h23',
        weekday: 'long',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
        timeZoneName: 'longOffset',
      });
    } catch {
      throw new ToolError(
        `unknown time zone "${timezone}": use an IANA name such as "America/New_York" or "UTC"`,
      );
    }
    const now = new Date();
    const part = Object.fromEntries(format.formatToParts(now).map((p) => [p.type, p.value]));
    const offset = part.timeZoneName === 'GMT' ? '+00:00' : part.timeZoneName.replace('GMT', '');
    return {
      timezone: format.resolvedOptions().timeZone,
      local: `${part.year}-${part.month}-${part.day}T${part.hour}:${part.minute}:${part.second}${offset}`,
      weekday: part.weekday,
      utc: now.toISOString(),
    };
  }
}
