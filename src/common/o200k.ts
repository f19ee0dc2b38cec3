import { Tiktoken } from 'js-tiktoken/lite';
import ranks from 'js-tiktoken/ranks/o200k_base';

let encoder: Tiktoken | undefined;

/**
 * js-tiktoken merges each piece of the split pattern in time quadratic in its length, and
 * the pattern leaves runs of letters, punctuation or spaces whole: one 16 000-letter word
 * takes 16 s, a 2 MB one days, the event loop blocked all along. Longer pieces are encoded
 * in slices of this many characters: the tokens still decode to the text, their count may
 * be a little above the exact one. Pieces of ordinary text (a word, a CJK clause) are
 * rarely this long.
 */
const MAX_PIECE = 32;
const PIECES = new RegExp(ranks.pat_str, 'gu');

/**
 * The o200k_base tokenizer (current OpenAI models), built on first use — that takes about
 * two seconds and tens of megabytes, so every component shares this one instance. Encode
 * with `encodeO200k`, not with its own `encode`.
 */
export function o200k(): Tiktoken {
  return (encoder ??= new Tiktoken(ranks));
}

/** `text` as o200k_base tokens (special tokens allowed), in time linear in its length. */
export function encodeO200k(text: string): number[] {
  const tiktoken = o200k();
  if (text.length <= MAX_PIECE) return tiktoken.encode(text, 'all');
  const tokens: number[] = [];
  // Appended one by one: `push(...part)` overflows the stack on a few hundred thousand.
  const add = (part: string): void => {
    for (const token of tiktoken.encode(part, 'all')) tokens.push(token);
  };
  let done = 0;
  for (const { 0: piece, index } of text.matchAll(PIECES)) {
    if (piece.length <= MAX_PIECE) continue;
    add(text.slice(done, index));
    const end = index + piece.length;
    for (let at = index; at < end;) {
      let cut = Math.min(at + MAX_PIECE, end);
      if (cut < end && isHighSurrogate(text.charCodeAt(cut - 1))) cut--;
      add(text.slice(at, cut));
      at = cut;
    }
    done = end;
  }
  add(text.slice(done));
  return tokens;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
