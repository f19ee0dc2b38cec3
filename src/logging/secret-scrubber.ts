const REDACTED = '[REDACTED]';

/**
 * Shorter values are not scrubbed: they would redact ordinary words. The boot audit warns
 * about any secret this short.
 */
export const MIN_SCRUBBED_LENGTH = 4;

/**
 * Replaces every known secret value in a serialized log line, whatever field it hides in
 * (message, stack, nested object, URL). Matches the raw value, its JSON-escaped form (a
 * value with quotes or backslashes inside a JSON string) and its URL-encoded form.
 */
export class SecretScrubber {
  private pattern: RegExp | null = null;

  constructor(values: Iterable<string> = []) {
    this.set(values);
  }

  set(values: Iterable<string>): void {
    const forms = new Set<string>();
    for (const value of values) {
      if (value.length < MIN_SCRUBBED_LENGTH) continue;
      forms.add(value);
      forms.add(JSON.stringify(value).slice(1, -1));
      forms.add(encodeURIComponent(value));
    }
    this.pattern = forms.size
      ? new RegExp(
          [...forms]
            .sort((a, b) => b.length - a.length)
            .map((f) => f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
            .join('|'),
          'g',
        )
      : null;
  }

  scrub(line: string): string {
    return this.pattern ? line.replace(this.pattern, REDACTED) : line;
  }
}
