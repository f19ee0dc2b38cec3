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
/** Texts this short are encoded in one pass: a piece this long still merges quickly. */
const ONE_PASS_CHARS = 256;
/**
 * Even at linear cost, BPE takes 0.2–5 µs a character: counts are exact for this many
 * characters and estimated beyond (a request body may hold megabytes).
 */
const EXACT_CHARS = 16_384;
const BYTES_PER_TOKEN = 4;

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
  if (text.length <= ONE_PASS_CHARS) return tiktoken.encode(text, 'all');
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

/**
 * How many o200k_base tokens `text` holds, at a bounded cost: exact for its first
 * EXACT_CHARS characters, estimated from the UTF-8 length of the rest.
 */
export function countO200k(text: string): number {
  const cut = cutAt(text, EXACT_CHARS);
  if (cut === text.length) return encodeO200k(text).length;
  const rest = Buffer.byteLength(text.slice(cut), 'utf8');
  return encodeO200k(text.slice(0, cut)).length + Math.ceil(rest / BYTES_PER_TOKEN);
}

/**
 * The first `max` tokens of `text`, and whether they are the whole of it. Reads only the
 * text those tokens can come from: each piece or slice of at most MAX_PIECE characters is
 * at least one token.
 */
export function headO200k(text: string, max: number): { tokens: number[]; whole: boolean } {
  const cut = cutAt(text, (max + 1) * MAX_PIECE);
  const tokens = encodeO200k(cut === text.length ? text : text.slice(0, cut));
  if (cut === text.length && tokens.length <= max) return { tokens, whole: true };
  return { tokens: tokens.slice(0, max), whole: false };
}

/** `at`, or one less where that would split a surrogate pair; the length past the end. */
function cutAt(text: string, at: number): number {
  if (at >= text.length) return text.length;
  return isHighSurrogate(text.charCodeAt(at - 1)) ? at - 1 : at;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
