import { inspect } from 'node:util';

/**
 * A resolved secret. The value is read with `reveal()` at the point of use; every other
 * way of turning the holder into text (JSON, inspect, template strings) prints `[secret]`.
 */
export class Secret {
  readonly #value: string;

  constructor(
    readonly name: string,
    value: string,
  ) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toJSON(): string {
    return '[secret]';
  }

  toString(): string {
    return '[secret]';
  }

  [inspect.custom](): string {
    return '[secret]';
  }
}
