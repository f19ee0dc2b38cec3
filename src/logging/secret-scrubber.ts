const REDACTED = '[REDACTED]';

/**
 * Replaces every known secret value in a serialized log line, whatever field it hides in
 * (message, stack, nested object). Matches the raw value and its JSON-escaped form.
 */
export class SecretScrubber {
  private pattern: RegExp | null = null;

  constructor(values: Iterable<string> = []) {
    this.set(values);
  }

  set(values: Iterable<string>): void {
    const forms = new Set<string>();
    for (const value of values) {
      // Very short values would redact ordinary words; secrets are never that short.
      if (value.length < 6) continue;
      forms.add(value);
      forms.add(JSON.stringify(value).slice(1, -1));
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
