import { encodeO200k, o200k } from '../common/o200k.js';

/**
 * The filters every template can use, beside nunjucks' built-ins (`default`, `join`,
 * `indent`, `truncate`, `upper`, …). Documented in the README's "Templates" section.
 */
export const TEMPLATE_FILTERS: Record<string, (...args: never[]) => unknown> = {
  /** `{{ value | json }}`, `{{ value | json(2) }}`: JSON text of any value. */
  json: (value: unknown, indent?: number) => JSON.stringify(value, null, indent) ?? 'null',

  /**
   * `{{ text | truncate_tokens(500) }}`: at most that many tokens (o200k_base, the tokenizer
   * of current OpenAI models), with `end` appended when cut.
   */
  truncate_tokens: (value: unknown, max: number, end: string = '…') => {
    const text = String(value ?? '');
    const tokens = encodeO200k(text);
    return tokens.length <= max ? text : o200k().decode(tokens.slice(0, Math.max(0, max))) + end;
  },
};
