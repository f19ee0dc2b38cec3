import { all, create, type MathJsInstance } from 'mathjs';
import { Tool, ToolError, type ToolHandler } from '../tool.decorator.js';

const MAX_EXPRESSION = 1000;

/**
 * Functions taken away from expressions: the ones that define or reinterpret code (the
 * mathjs security guide's list), and the ones that allocate arbitrarily large matrices
 * from a short expression, since a calculation runs on the event loop.
 */
const DISABLED = [
  'import',
  'createUnit',
  'reviver',
  'evaluate',
  'parse',
  'compile',
  'parser',
  'simplify',
  'simplifyConstant',
  'simplifyCore',
  'derivative',
  'resolve',
  'rationalize',
  'zeros',
  'ones',
  'identity',
  'range',
  'resize',
  'reshape',
  'random',
  'randomInt',
  'pickRandom',
  'kron',
];

interface CalculatorArgs {
  expression: string;
}

/**
 * Evaluates arithmetic with mathjs' own expression parser (never `eval`/`Function`):
 * numbers, units (`5 cm to inch`), matrices, trigonometry, statistics.
 */
@Tool({
  name: 'calculator',
  description:
    'Evaluate a math expression exactly, e.g. "12.5% * 1999", "sqrt(2) * 3^4", "5 km to mile", "mean([3, 4, 9])", "det([1, 2; 3, 4])". Use it for any arithmetic.',
  parameters: {
    type: 'object',
    properties: {
      expression: {
        type: 'string',
        minLength: 1,
        maxLength: MAX_EXPRESSION,
        description: 'The expression (mathjs syntax).',
      },
    },
    required: ['expression'],
    additionalProperties: false,
  },
})
export class CalculatorTool implements ToolHandler<CalculatorArgs> {
  private readonly math: MathJsInstance;
  private readonly evaluate: MathJsInstance['evaluate'];

  constructor() {
    this.math = create(all);
    this.evaluate = this.math.evaluate;
    const disabled = Object.fromEntries(
      DISABLED.map((name) => [
        name,
        () => {
          throw new Error(`function ${name} is not available in this calculator`);
        },
      ]),
    );
    this.math.import(disabled, { override: true });
  }

  run({ expression }: CalculatorArgs): string {
    let result: unknown;
    try {
      // A fresh scope per call: assignments (`x = 2; x^2`) never leak between calls.
      result = this.evaluate(expression, new Map<string, unknown>());
    } catch (error) {
      throw new ToolError(`cannot evaluate "${expression}": ${(error as Error).message}`);
    }
    if (result === undefined) throw new ToolError('the expression is empty');
    if (typeof result === 'function')
      throw new ToolError('the expression defines a function but never calls it');
    return this.math.format(result, { precision: 14 });
  }
}
