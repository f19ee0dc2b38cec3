import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Tool, type ToolContext, type ToolHandler } from '../tool.decorator.js';
import { CalculatorSandbox } from './calculator-sandbox.js';

const MAX_EXPRESSION = 1000;
const MAX_COMPUTE_MS = 2_000;

interface CalculatorArgs {
  expression: string;
}

/**
 * Evaluates arithmetic with mathjs' own expression parser (never `eval`/`Function`):
 * numbers, units (`5 cm to inch`), matrices, trigonometry, statistics. Expressions run in
 * a child process with a time and memory cap, as a short one can compute for ever.
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
  // The sandbox caps the computation (MAX_COMPUTE_MS); this also covers starting its process.
  timeoutMs: 10_000,
})
export class CalculatorTool
  implements ToolHandler<CalculatorArgs>, OnApplicationBootstrap, OnModuleDestroy
{
  private readonly sandbox = new CalculatorSandbox({ maxMs: MAX_COMPUTE_MS, maxHeapMb: 128 });

  run({ expression }: CalculatorArgs, ctx: ToolContext): Promise<string> {
    return this.sandbox.evaluate(expression, ctx.signal);
  }

  /** The process takes a moment to load: the first call should not wait for it. */
  onApplicationBootstrap(): void {
    this.sandbox.warm();
  }

  onModuleDestroy(): Promise<void> {
    return this.sandbox.close();
  }
}
