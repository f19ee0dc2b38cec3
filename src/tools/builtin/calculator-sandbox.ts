import { Worker } from 'node:worker_threads';
import { ToolError } from '../tool.decorator.js';
import type { CalculatorJob, CalculatorReply } from './calculator.worker.js';

/** The compiled `.js` next to this file, or the `.ts` source when running from sources. */
const WORKER_FILE = new URL(
  `./calculator.worker.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`,
  import.meta.url,
);

export interface SandboxLimits {
  /** Longest one evaluation may compute before its thread is killed. */
  maxMs: number;
  /** Heap of the thread; an expression that needs more gets an error, the server is unaffected. */
  maxHeapMb: number;
}

interface Pending {
  job: CalculatorJob;
  signal: AbortSignal;
  resolve: (result: string) => void;
  reject: (error: Error) => void;
  onAbort: () => void;
  timer?: NodeJS.Timeout;
}

/**
 * Evaluates calculator expressions in one worker thread, one at a time. A calculation runs
 * synchronously, so the thread is the only thing that can be stopped: past `maxMs`, on
 * abort, or when it runs out of heap, it is terminated and the next call starts a new one.
 */
export class CalculatorSandbox {
  private worker?: Worker;
  /** The current thread has loaded mathjs: a job's time starts counting. */
  private ready = false;
  private running?: Pending;
  private readonly queue: Pending[] = [];
  private nextId = 1;
  /** What the current thread reported before it exited (out of memory, a crash). */
  private lastError?: NodeJS.ErrnoException;

  constructor(private readonly limits: SandboxLimits) {}

  /** The formatted result; a ToolError for the model when the expression fails or is too costly. */
  evaluate(expression: string, signal: AbortSignal): Promise<string> {
    if (signal.aborted) return Promise.reject(signal.reason as Error);
    return new Promise<string>((resolve, reject) => {
      const pending: Pending = {
        job: { id: this.nextId++, expression },
        signal,
        resolve,
        reject,
        onAbort: () => {
          const queued = this.queue.indexOf(pending);
          if (queued >= 0) this.queue.splice(queued, 1);
          else if (this.running === pending) this.kill();
          this.settle(pending, () => reject(signal.reason as Error));
        },
      };
      signal.addEventListener('abort', pending.onAbort, { once: true });
      this.queue.push(pending);
      this.next();
    });
  }

  /** Starts the thread ahead of the first call (it loads in the background). */
  warm(): void {
    if (!this.worker) this.spawn().unref();
  }

  /** Stops the thread (at shutdown); calls in progress fail. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    this.ready = false;
    for (const pending of [...this.queue.splice(0), ...(this.running ? [this.running] : [])])
      this.settle(pending, () => pending.reject(new Error('the calculator is shutting down')));
    await worker?.terminate();
  }

  private next(): void {
    if (this.running || !this.queue.length) return;
    const pending = this.queue.shift()!;
    this.running = pending;
    const worker = this.spawn();
    worker.ref();
    worker.postMessage(pending.job);
    if (this.ready) this.startClock(pending);
  }

  private startClock(pending: Pending): void {
    pending.timer = setTimeout(() => {
      this.kill();
      this.settle(pending, () =>
        pending.reject(
          new ToolError(
            `the calculation took longer than ${this.limits.maxMs} ms and was stopped; simplify it`,
          ),
        ),
      );
    }, this.limits.maxMs);
  }

  private spawn(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER_FILE, {
      resourceLimits: { maxOldGenerationSizeMb: this.limits.maxHeapMb },
    });
    worker.on('message', (reply: CalculatorReply) => {
      if (this.worker !== worker) return;
      const pending = this.running;
      if ('ready' in reply) {
        this.ready = true;
        if (pending) this.startClock(pending);
        return;
      }
      if (pending?.job.id !== reply.id) return;
      this.settle(pending, () =>
        'result' in reply
          ? pending.resolve(reply.result)
          : pending.reject(new ToolError(reply.error)),
      );
    });
    // An error event is followed by exit: the exit handler settles the call.
    worker.on('error', (error: NodeJS.ErrnoException) => {
      if (this.worker === worker) this.lastError = error;
    });
    worker.on('exit', () => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      this.ready = false;
      const error = this.lastError;
      this.lastError = undefined;
      const pending = this.running;
      if (!pending) return;
      this.settle(pending, () =>
        pending.reject(
          error?.code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? new ToolError(
                `the calculation needs more than ${this.limits.maxHeapMb} MB of memory and was stopped; simplify it`,
              )
            : new Error(`the calculator stopped unexpectedly${error ? `: ${error.message}` : ''}`),
        ),
      );
    });
    this.worker = worker;
    return worker;
  }

  /** Terminates the current thread; the next call starts a fresh one. */
  private kill(): void {
    const worker = this.worker;
    this.worker = undefined;
    this.ready = false;
    this.lastError = undefined;
    void worker?.terminate();
  }

  /** Settles a call once, frees the thread for the next one. */
  private settle(pending: Pending, settle: () => void): void {
    clearTimeout(pending.timer);
    pending.signal.removeEventListener('abort', pending.onAbort);
    settle();
    if (this.running === pending) {
      this.running = undefined;
      if (!this.queue.length) this.worker?.unref();
    }
    this.next();
  }
}
