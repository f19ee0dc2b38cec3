import { Tiktoken } from 'js-tiktoken/lite';
import ranks from 'js-tiktoken/ranks/o200k_base';

let encoder: Tiktoken | undefined;

/**
 * The o200k_base tokenizer (current OpenAI models), built on first use — that takes about
 * two seconds and tens of megabytes, so every component shares this one instance.
 */
export function o200k(): Tiktoken {
  return (encoder ??= new Tiktoken(ranks));
}
