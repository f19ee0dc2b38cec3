import { describe, expect, it } from '@jest/globals';
import { encodeO200k, o200k } from './o200k.js';

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
