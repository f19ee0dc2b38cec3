import { describe, expect, it } from '@jest/globals';
import { countO200k, encodeO200k, headO200k, O200kCounter, o200k } from './o200k.js';

describe('encodeO200k', () => {
  it('encodes ordinary text exactly as the tokenizer does', () => {
    const texts = [
      'Hello, world! How are you today?',
      'const answer = await client.chat.completions.create({ model, messages });\n\treturn answer;',
      '我们今天去公园散步，然后在湖边吃了午饭。日本語の文章も大丈夫です。',
      'emoji 😀👍🏽 and accents: déjà vu, naïve café',
      'a special token <|endoftext|> inside',
      `${'lorem ipsum dolor sit amet '.repeat(200)}   trailing spaces   `,
    ];
    for (const text of texts) expect(encodeO200k(text)).toEqual(o200k().encode(text, 'all'));
  });

  it('encodes runs the split pattern leaves whole in linear time, decoding to the same text', () => {
    // Each took 25 s or more before (one piece each, merged in quadratic time).
    const runs = [
      'x'.repeat(20_000),
      ` ${'abc'.repeat(7_000)}`,
      ' '.repeat(20_000),
      `!${'\n/'.repeat(10_000)}`,
      '中'.repeat(5_000),
      '😀'.repeat(5_000),
    ];
    for (const text of runs) {
      const started = performance.now();
      const tokens = encodeO200k(text);
      expect(performance.now() - started).toBeLessThan(2_000);
      expect(o200k().decode(tokens)).toBe(text);
    }
    // 'x' × 8 is one token: slices of 32 characters lose nothing here.
    expect(encodeO200k('x'.repeat(20_000))).toHaveLength(2_500);
  });
});

describe('countO200k', () => {
  it('counts exactly up to 4k characters, then extrapolates at the rate of the exact part', () => {
    const prose = 'The quick brown fox jumps over the lazy dog. '.repeat(90);
    expect(countO200k(prose)).toBe(o200k().encode(prose, 'all').length);
    const head = 'a b '.repeat(1_024); // 4 096 characters, counted exactly
    const exact = countO200k(head);
    expect(exact).toBe(o200k().encode(head, 'all').length);
    // The 4 000 bytes beyond, at the head's tokens per byte.
    expect(countO200k(head + 'c d '.repeat(1_000))).toBe(
      exact + Math.ceil((4_000 * exact) / 4_096),
    );
  });

  it('bounds the exact part over all the texts one counter is given', () => {
    const counter = new O200kCounter();
    const started = performance.now();
    for (let i = 0; i < 200; i++) counter.count('中文'.repeat(8_000));
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('stays cheap on megabytes that would take minutes to encode', () => {
    for (const text of ['中'.repeat(1_000_000), 'x'.repeat(2_000_000), 'word '.repeat(2_000_000)]) {
      const started = performance.now();
      const count = countO200k(text);
      expect(performance.now() - started).toBeLessThan(1_000);
      expect(count).toBeGreaterThanOrEqual(Buffer.byteLength(text) / 8);
    }
  });
});

describe('headO200k', () => {
  it('gives the first tokens, and says whether they are all of the text', () => {
    const text = 'Tokens, tokens everywhere, and not a drop to drink. '.repeat(20);
    const all = o200k().encode(text, 'all');
    expect(headO200k(text, 10)).toEqual({ tokens: all.slice(0, 10), whole: false });
    expect(headO200k(text, all.length)).toEqual({ tokens: all, whole: true });
  });

  it('reads only what the first tokens need from a huge text', () => {
    const started = performance.now();
    const head = headO200k('中'.repeat(3_000_000), 100);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(head.whole).toBe(false);
    expect(head.tokens).toHaveLength(100);
  });
});
