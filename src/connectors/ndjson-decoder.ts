/**
 * Incremental newline-delimited JSON parser: feed it text as it arrives, get the values of
 * the lines completed so far. `end()` parses a last line that lacks its newline.
 */
export class NdjsonDecoder {
  private rest = '';

  push(chunk: string): unknown[] {
    const values: unknown[] = [];
    const text = this.rest ? this.rest + chunk : chunk;
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      const line = text.slice(start, nl).trim();
      if (line) values.push(JSON.parse(line));
      start = nl + 1;
    }
    this.rest = start < text.length ? text.slice(start) : '';
    return values;
  }

  end(): unknown[] {
    const line = this.rest.trim();
    this.rest = '';
    return line ? [JSON.parse(line)] : [];
  }
}
