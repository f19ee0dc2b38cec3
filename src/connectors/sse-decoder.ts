/** One server-sent event: its `event:` name (when given) and its joined `data:` lines. */
export interface SseEvent {
  event?: string;
  data: string;
}

/**
 * Incremental `text/event-stream` parser (WHATWG rules for LF and CRLF line ends): feed it
 * text as it arrives, get the events completed so far. Comments and `id`/`retry` fields are
 * skipped; an event cut off by the end of the stream is dropped, as the spec says.
 */
export class SseDecoder {
  private rest = '';
  private event: string | undefined;
  private data: string | undefined;

  push(chunk: string): SseEvent[] {
    const events: SseEvent[] = [];
    const text = this.rest ? this.rest + chunk : chunk;
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      const end = nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      if (end === start) {
        if (this.data !== undefined)
          events.push(
            this.event === undefined ? { data: this.data } : { event: this.event, data: this.data },
          );
        this.event = undefined;
        this.data = undefined;
      } else {
        this.field(text, start, end);
      }
      start = nl + 1;
    }
    this.rest = start < text.length ? text.slice(start) : '';
    return events;
  }

  private field(text: string, start: number, end: number): void {
    if (text.charCodeAt(start) === 58) return; // ':' comment (keep-alive)
    const colon = text.indexOf(':', start);
    const nameEnd = colon < 0 || colon > end ? end : colon;
    let valueStart = nameEnd === end ? end : nameEnd + 1;
    if (text.charCodeAt(valueStart) === 32 && valueStart < end) valueStart++;
    const name = text.slice(start, nameEnd);
    if (name === 'data') {
      const value = text.slice(valueStart, end);
      this.data = this.data === undefined ? value : `${this.data}\n${value}`;
    } else if (name === 'event') {
      this.event = text.slice(valueStart, end);
    }
  }
}
