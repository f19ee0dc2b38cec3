/**
 * The calculator's evaluator, run in a child process by `CalculatorSandbox`: an expression
 * that computes for ever (`f(n) = f(n-1) + f(n-1); f(60)`) or fills memory
 * (`matrixFromFunction([1e5, 1e5], f)`) stalls or kills this process, never the server.
 * Plain, erasable TypeScript only: tests load it through Node's type stripping.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type * as MathJs from 'mathjs';

// mathjs' single-file build: a thread starts in a tenth of the time its module tree takes.
const { all, create } = createRequire(import.meta.url)(
  'mathjs/lib/browser/math.js',
) as typeof MathJs;

/** Functions that define or reinterpret code (the mathjs security guide's list). */
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
];

/** A longer result is cut here, before it is copied to the main thread. */
const MAX_RESULT_CHARS = 100_000;

export interface CalculatorJob {
  id: number;
  expression: string;
}

export type CalculatorReply =
  { ready: true } | { id: number; result: string } | { id: number; error: string };

const math = create(all);
const evaluate = math.evaluate;
math.import(
  Object.fromEntries(
    DISABLED.map((name) => [
      name,
      () => {
        throw new Error(`function ${name} is not available in this calculator`);
      },
    ]),
  ),
  { override: true },
);

function run(expression: string): { result: string } | { error: string } {
  let result: unknown;
  try {
    // A fresh scope per call: assignments (`x = 2; x^2`) never leak between calls.
    result = evaluate(expression, new Map<string, unknown>());
  } catch (error) {
    return { error: `cannot evaluate "${expression}": ${(error as Error).message}` };
  }
  if (result === undefined) return { error: 'the expression is empty' };
  if (typeof result === 'function')
    return { error: 'the expression defines a function but never calls it' };
  const text = math.format(result, { precision: 14 });
  return {
    result:
      text.length > MAX_RESULT_CHARS
        ? `${text.slice(0, MAX_RESULT_CHARS)} [result cut at ${MAX_RESULT_CHARS} characters]`
        : text,
  };
}

process.on('message', ({ id, expression }: CalculatorJob) => {
  process.send?.({ id, ...run(expression) } satisfies CalculatorReply);
});
// Gone with the server, however it ended: when idle, by the IPC channel closing; mid-way
// through a calculation (this thread busy), by a watchdog thread seeing the parent gone.
process.on('disconnect', () => process.exit(0));
new Worker(
  `const { workerData: parent } = require('node:worker_threads');
   setInterval(() => { if (process.ppid !== parent) process.kill(process.pid, 'SIGKILL'); }, 500);`,
  { eval: true, workerData: process.ppid },
).unref();
// Jobs are timed from here: loading is not the expression's fault.
process.send?.({ ready: true } satisfies CalculatorReply);
