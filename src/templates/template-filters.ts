import { headO200k, o200k } from '../common/o200k.js';

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
    const head = headO200k(text, Math.max(0, max));
    return head.whole ? text : o200k().decode(head.tokens) + end;
  },
};
