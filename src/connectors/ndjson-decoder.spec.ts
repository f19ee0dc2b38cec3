import { describe, expect, it } from '@jest/globals';
import { NdjsonDecoder } from './ndjson-decoder.js';

describe('NdjsonDecoder', () => {
  it('parses complete lines across chunk boundaries and a last line without newline at the end', () => {
    const decoder = new NdjsonDecoder();
    expect(decoder.push('{"a":1}\n{"b"')).toEqual([{ a: 1 }]);
    expect(decoder.push(':2}\n\n{"c":3}')).toEqual([{ b: 2 }]);
    expect(decoder.end()).toEqual([{ c: 3 }]);
    expect(decoder.end()).toEqual([]);
  });

  it('throws on a line that is not JSON', () => {
    expect(() => new NdjsonDecoder().push('nope\n')).toThrow(SyntaxError);
  });
});
