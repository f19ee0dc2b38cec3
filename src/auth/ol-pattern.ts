import { posix } from 'node:path';
import picomatch from 'picomatch';

/** What a pattern is matched against: an OL id and its effective URN params as strings. */
export interface PatternTarget {
  logicId: string;
  params: Readonly<Record<string, string>>;
}

type Matcher = (value: string) => boolean;

/**
 * One entry of a key's `ols` list: `<ol-glob>[:<param>=<value-glob>]…`, e.g. `echo`,
 * `chat*`, `agent:workspace=/srv/alice/**`, optionally written as a full `urn:<ns>:…`.
 * Params not named are free; a lone `*` segment says so explicitly (`chat:*`). Path-like
 * values are normalized before matching, so `/srv/alice/../bob` does not pass `/srv/alice/**`.
 */
export class OlPattern {
  private constructor(
    readonly source: string,
    private readonly logic: Matcher,
    private readonly params: ReadonlyArray<[string, Matcher]>,
  ) {}

  /** Throws an Error naming the fault (the pattern itself is not secret). */
  static parse(source: string): OlPattern {
    let segments = source.trim().split(':');
    if (segments[0].toLowerCase() === 'urn' && segments.length >= 3) segments = segments.slice(2);
    const [logic, ...rest] = segments;
    if (!logic) throw new Error(`pattern '${source}' has no OL id`);
    const params: Array<[string, Matcher]> = [];
    for (const segment of rest) {
      if (segment === '*') continue;
      const eq = segment.indexOf('=');
      if (eq <= 0 || eq === segment.length - 1) {
        throw new Error(`pattern '${source}': segment '${segment}' must be <param>=<glob> or *`);
      }
      params.push([segment.slice(0, eq), picomatch(segment.slice(eq + 1), { dot: true })]);
    }
    return new OlPattern(source, picomatch(logic), params);
  }

  matches(target: PatternTarget): boolean {
    if (!this.logic(target.logicId)) return false;
    return this.params.every(([key, match]) => {
      const value = target.params[key];
      return value !== undefined && match(value.startsWith('/') ? posix.normalize(value) : value);
    });
  }
}
