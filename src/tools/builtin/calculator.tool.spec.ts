import { describe, expect, it } from '@jest/globals';
import { ToolError } from '../tool.decorator.js';
import { CalculatorTool } from './calculator.tool.js';

describe('calculator tool', () => {
  const calculator = new CalculatorTool();
  const calc = (expression: string): string => calculator.run({ expression });

  it.each([
    ['2 + 3 * 4', '14'],
    ['1999 * 12.5%', '249.875'],
    ['sqrt(2)^2', '2'],
    ['sin(pi / 2)', '1'],
    ['5 km to mile', '3.1068559611867 mile'],
    ['det([1, 2; 3, 4])', '-2'],
    ['mean([3, 4, 9])', '5.3333333333333'],
    ['x = 3; x ^ 2', '[9]'],
    ['f(x) = x ^ 2; f(4)', '[16]'],
    ['1 / 0', 'Infinity'],
    ['0.1 + 0.2', '0.3'],
  ])('evaluates %s', (expression, expected) => {
    expect(calc(expression)).toBe(expected);
  });

  it('keeps no state between calls', () => {
    calc('secret = 42');
    expect(() => calc('secret')).toThrow(/Undefined symbol secret/);
  });

  it.each([
    // Reaching JavaScript through properties of values (the classic sandbox escapes).
    ['constructor', /No access to property "constructor"|Undefined symbol/],
    ['cos.constructor("return process")()', /No access to property "constructor"|Value expected/],
    ['[].constructor.constructor("return process")()', /No access|Value expected/],
    ['"abc".constructor', /No access to property "constructor"/],
    ['f = cos.constructor', /No access to property "constructor"/],
    ['a = {}; a.__proto__', /No access to property "__proto__"/],
    ['a = {}; a["constructor"]', /No access to property "constructor"/],
    // Redefining the calculator from inside an expression.
    ['import({ pi: 3 }, { override: true })', /import is not available/],
    ['createUnit("foo")', /createUnit is not available/],
    ['evaluate("1 + 1")', /evaluate is not available/],
    ['parse("1 + 1")', /parse is not available/],
    ['compile("1 + 1")', /compile is not available/],
    ['simplify("x + x")', /simplify is not available/],
    ['derivative("x^2", "x")', /derivative is not available/],
    // Expressions that would allocate huge matrices on the event loop.
    ['zeros(100000, 100000)', /zeros is not available/],
    ['ones(1e6, 1e6)', /ones is not available/],
    ['range(1, 1e12)', /range is not available/],
    ['random([1e9])', /random is not available/],
    // Not an expression at all.
    ['require("fs")', /Undefined function require|Undefined symbol require/],
    ['process.exit()', /Undefined symbol process/],
    ['', /empty/],
    ['f(x) = x', /defines a function but never calls it/],
  ])('refuses %j with a ToolError', (expression, message) => {
    let error: unknown;
    try {
      calc(expression);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ToolError);
    expect((error as Error).message).toMatch(message);
  });

  it('cannot touch the JavaScript globals', () => {
    for (const attempt of ['globalThis', 'global', 'this', 'eval("1")', 'Function("return 1")()']) {
      expect(() => calc(attempt)).toThrow(ToolError);
    }
    expect(Object.keys(globalThis)).not.toContain('pwned');
  });
});
