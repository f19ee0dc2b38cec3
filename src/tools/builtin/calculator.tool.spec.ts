import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from '@jest/globals';
import type { ToolContext } from '../tool.decorator.js';
import { ToolError } from '../tool.decorator.js';
import { CalculatorSandbox } from './calculator-sandbox.js';
import { CalculatorTool } from './calculator.tool.js';

const ctx = (signal = new AbortController().signal): ToolContext => ({
  signal,
  caller: { userId: 'u' },
  callId: 'c',
  timeoutMs: 30_000,
});

async function failure(work: Promise<unknown>): Promise<Error> {
  try {
    await work;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure');
}

describe('calculator tool', () => {
  const calculator = new CalculatorTool();
  const calc = (expression: string): Promise<string> => calculator.run({ expression }, ctx());
  afterAll(() => calculator.onModuleDestroy());

  it.each([
    ['2 + 3 * 4', '14'],
    ['1999 * 12.5%', '249.875'],
    ['sqrt(2)^2', '2'],
    ['sin(pi / 2)', '1'],
    ['5 km to mile', '3.1068559611867 mile'],
    ['det([1, 2; 3, 4])', '-2'],
    ['mean([3, 4, 9])', '5.3333333333333'],
    ['sum(1:100)', '5050'],
    ['x = 3; x ^ 2', '[9]'],
    ['f(x) = x ^ 2; f(4)', '[16]'],
    ['1 / 0', 'Infinity'],
    ['0.1 + 0.2', '0.3'],
    ['factorial(1e6)', 'Infinity'],
  ])('evaluates %s', async (expression, expected) => {
    expect(await calc(expression)).toBe(expected);
  });

  it('evaluates nesting as deep as the input length allows', async () => {
    expect(await calc(`${'('.repeat(499)}1${')'.repeat(499)}`)).toBe('1');
  });

  it('keeps no state between calls', async () => {
    await calc('secret = 42');
    expect((await failure(calc('secret'))).message).toMatch(/Undefined symbol secret/);
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
    // Not an expression at all.
    ['require("fs")', /Undefined function require|Undefined symbol require/],
    ['process.exit()', /Undefined symbol process/],
    ['globalThis', /Undefined symbol globalThis/],
    ['eval("1")', /Undefined function eval/],
    ['Function("return 1")()', /Value expected|Undefined function Function/],
    ['', /empty/],
    ['f(x) = x', /defines a function but never calls it/],
    // Endless recursion: an error, not a crash.
    ['f(x) = f(x); f(1)', /Maximum call stack size exceeded/],
  ])('refuses %j with a ToolError', async (expression, message) => {
    const error = await failure(calc(expression));
    expect(error).toBeInstanceOf(ToolError);
    expect(error.message).toMatch(message);
  });

  it('cannot redefine a function for later calls', async () => {
    await failure(calc('import({ sqrt: 1 }, { override: true })'));
    expect(await calc('sqrt(16)')).toBe('4');
    expect(Object.keys(globalThis)).not.toContain('pwned');
  });
});

/** Expressions that never end or fill memory stop in their thread; the event loop never stalls. */
describe('calculator sandbox', () => {
  const sandbox = new CalculatorSandbox({ maxMs: 500, maxHeapMb: 64 });
  afterAll(() => sandbox.close());
  const signal = new AbortController().signal;

  /**
   * The CPU time this process's main thread spent while `work` ran, in ms: a calculation run
   * here would spend all of its own; one run elsewhere, next to nothing. (CPU, not the event
   * loop's delays: on a busy 2-core machine those measure the neighbours as much as this
   * process. The main thread's, where Linux tells it: a full run once measured 310 ms across
   * all of a Jest worker's threads during one calculation that costs ~2 ms otherwise.)
   */
  async function ownCpuMs(work: Promise<unknown>): Promise<number> {
    const before = mainThreadCpuMs();
    await work.catch(() => undefined);
    return mainThreadCpuMs() - before;
  }

  function mainThreadCpuMs(): number {
    try {
      // utime and stime, in clock ticks (100 per second).
      const fields = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8')
        .split(') ')[1]
        .split(' ');
      return (Number(fields[11]) + Number(fields[12])) * 10;
    } catch {
      const { user, system } = process.cpuUsage();
      return (user + system) / 1000;
    }
  }

  it('stops an endless computation at maxMs, with a ToolError, and the next call works', async () => {
    const work = sandbox.evaluate('f(n) = n < 1 ? 1 : f(n-1) + f(n-1); f(80)', signal);
    const started = Date.now();
    expect(await ownCpuMs(work)).toBeLessThan(200);
    const error = await failure(work);
    expect(error).toBeInstanceOf(ToolError);
    expect(error.message).toBe(
      'the calculation took longer than 500 ms and was stopped; simplify it',
    );
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(await sandbox.evaluate('6 * 7', signal)).toBe('42');
  });

  it.each([
    'matrixFromFunction([4000, 4000], f(i) = 1)',
    'zeros(100000, 100000)',
    'a = ones(1000); a = concat(a, a, a, a); a = concat(a, a, a, a); a = concat(a, a, a, a); a = concat(a, a, a, a); a = concat(a, a, a, a); a = concat(a, a, a, a); size(a)',
    'factorial(bignumber(1e7))',
    '1:1e9',
  ])('stops %s by time or memory, never the process', async (expression) => {
    const work = sandbox.evaluate(expression, signal);
    expect(await ownCpuMs(work)).toBeLessThan(200);
    const error = await failure(work);
    expect(error).toBeInstanceOf(ToolError);
    expect(error.message).toMatch(/took longer than 500 ms|more than 64 MB|cannot evaluate/);
    expect(await sandbox.evaluate('1 + 1', signal)).toBe('2');
  });

  it('runs calls one at a time, in order, and drops a queued call when it is aborted', async () => {
    const slow = sandbox.evaluate('f(n) = n < 1 ? 1 : f(n-1) + f(n-1); f(14)', signal);
    const aborted = new AbortController();
    const dropped = sandbox.evaluate('2 + 2', aborted.signal);
    const after = sandbox.evaluate('3 + 3', signal);
    aborted.abort(new Error('client gone'));
    expect((await failure(dropped)).message).toBe('client gone');
    expect(await slow).toBe('[16384]');
    expect(await after).toBe('6');
  });

  it('kills the process of a running call when it is aborted', async () => {
    const controller = new AbortController();
    const work = sandbox.evaluate('f(n) = n < 1 ? 1 : f(n-1) + f(n-1); f(80)', controller.signal);
    setTimeout(() => controller.abort(new Error('timed out')), 50);
    const started = Date.now();
    expect((await failure(work)).message).toBe('timed out');
    expect(Date.now() - started).toBeLessThan(400);
    expect(await sandbox.evaluate('5 * 5', signal)).toBe('25');
  });

  it('never outlives the server, even in the middle of a calculation', async () => {
    // A stand-in server: forks the evaluator, starts an endless calculation, says the pid.
    const evaluator = fileURLToPath(new URL('./calculator.worker.ts', import.meta.url));
    const server = spawn(
      process.execPath,
      [
        '-e',
        `const child = require('node:child_process').fork(${JSON.stringify(evaluator)}, [], { serialization: 'advanced' });
         child.on('message', (m) => { if (m.ready) { child.send({ id: 1, expression: 'f(n) = n < 1 ? 1 : f(n-1) + f(n-1); f(80)' }); console.log(child.pid); } });`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const pid = Number(
      await new Promise<string>((resolve) =>
        server.stdout.once('data', (d: Buffer) => resolve(String(d))),
      ),
    );
    const alive = (): boolean => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(alive()).toBe(true);
    server.kill('SIGKILL');
    const deadline = Date.now() + 3_000;
    while (alive() && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 50));
    expect(alive()).toBe(false);
  });
});
