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
 * Even at linear cost, BPE takes up to ~15 µs a character (CJK without punctuation): a
 * counter is exact for this many characters in all, and extrapolates beyond (a request
 * body may hold megabytes).
 */
const EXACT_CHARS = 4_096;
/** The rate assumed before any text was counted exactly. */
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
 * Counts o200k_base tokens at a bounded cost, however many texts it is given (one request's
 * messages, say): exact for the first EXACT_CHARS characters in all, then extrapolated at
 * the tokens-per-byte rate of what was counted exactly.
 */
export class O200kCounter {
  private exactCharsLeft = EXACT_CHARS;
  private exactTokens = 0;
  private exactBytes = 0;

  count(text: string): number {
    const cut = cutAt(text, this.exactCharsLeft);
    let tokens = 0;
    if (cut > 0) {
      const head = cut === text.length ? text : text.slice(0, cut);
      tokens = encodeO200k(head).length;
      this.exactCharsLeft -= cut;
      this.exactTokens += tokens;
      this.exactBytes += Buffer.byteLength(head, 'utf8');
    }
    if (cut < text.length) {
      const rate = this.exactBytes ? this.exactTokens / this.exactBytes : 1 / BYTES_PER_TOKEN;
      tokens += Math.ceil(Buffer.byteLength(text.slice(cut), 'utf8') * rate);
    }
    return tokens;
  }
}

/** How many o200k_base tokens `text` holds, at a bounded cost (see O200kCounter). */
export function countO200k(text: string): number {
  return new O200kCounter().count(text);
}

/**
 * The first `max` tokens of `text`, and whether they are the whole of it. Encodes a prefix
 * twice as long each time until it holds more than `max` tokens: about twice the text those
 * tokens come from, whatever the text.
 */
export function headO200k(text: string, max: number): { tokens: number[]; whole: boolean } {
  const limit = max >= 0 ? Math.floor(max) : 0;
  for (let size = (limit + 1) * BYTES_PER_TOKEN; ; size *= 2) {
    const cut = cutAt(text, Math.max(size, 1));
    const tokens = encodeO200k(cut === text.length ? text : text.slice(0, cut));
    if (tokens.length > limit) return { tokens: tokens.slice(0, limit), whole: false };
    if (cut === text.length) return { tokens, whole: true };
  }
}

/** `at`, or one less where that would split a surrogate pair; the length past the end. */
function cutAt(text: string, at: number): number {
  if (at >= text.length) return text.length;
  return isHighSurrogate(text.charCodeAt(at - 1)) ? at - 1 : at;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
