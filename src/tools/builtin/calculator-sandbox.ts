import { fork, type ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import { ToolError } from '../tool.decorator.js';
import type { CalculatorJob, CalculatorReply } from './calculator.worker.js';

/** The compiled `.js` next to this file, or the `.ts` source when running from sources. */
const WORKER_FILE = new URL(
  `./calculator.worker.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`,
  import.meta.url,
);

export interface SandboxLimits {
  /** Longest one evaluation may compute before its process is killed. */
  maxMs: number;
  /** Heap of the process; an expression that needs more gets an error, the server is unaffected. */
  maxHeapMb: number;
}

/** The end of what the process wrote to stderr: enough to tell an out-of-memory death. */
const STDERR_TAIL = 4096;

interface Pending {
  job: CalculatorJob;
  signal: AbortSignal;
  resolve: (result: string) => void;
  reject: (error: Error) => void;
  onAbort: () => void;
  timer?: NodeJS.Timeout;
}

/**
 * Evaluates calculator expressions in one child process, one at a time. A calculation runs
 * synchronously, so the process is the only thing that can be stopped: past `maxMs`, on
 * abort, or when it runs out of heap, it is killed and the next call starts a new one. A
 * process, not a worker thread: V8 answers some allocations past a worker's heap limit
 * (`concat` of huge arrays) by aborting the whole process, server included.
 */
export class CalculatorSandbox {
  private worker?: ChildProcess;
  /** The current process has loaded mathjs: a job's time starts counting. */
  private ready = false;
  private running?: Pending;
  private readonly queue: Pending[] = [];
  private nextId = 1;
  /** The end of the current process's stderr (V8 says there when it ran out of memory). */
  private stderr = '';

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

  /** Starts the process ahead of the first call (it loads in the background). */
  warm(): void {
    if (!this.worker) unref(this.spawn());
  }

  /** Stops the process (at shutdown); calls in progress fail. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    this.ready = false;
    for (const pending of [...this.queue.splice(0), ...(this.running ? [this.running] : [])])
      this.settle(pending, () => pending.reject(new Error('the calculator is shutting down')));
    if (
      worker &&
      worker.pid !== undefined &&
      worker.exitCode === null &&
      worker.signalCode === null
    ) {
      const exited = new Promise((resolve) => worker.once('exit', resolve));
      // Held until it is gone: an idle (unref'd) process would let the loop end first, and
      // with it the rest of the app's shutdown.
      worker.ref();
      worker.kill('SIGKILL');
      await exited;
    }
  }

  private next(): void {
    if (this.running || !this.queue.length) return;
    const pending = this.queue.shift()!;
    this.running = pending;
    const worker = this.spawn();
    worker.ref();
    worker.channel?.ref();
    // Absent when the process could not be started: its 'error' settles the call.
    worker.send?.(pending.job);
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

  private spawn(): ChildProcess {
    if (this.worker) return this.worker;
    const worker = fork(WORKER_FILE, [], {
      // The stack a worker thread had (4 MB; the OS gives a process 8): deep nesting parses.
      execArgv: [`--max-old-space-size=${this.limits.maxHeapMb}`, '--stack-size=3800'],
      // Nothing of the server's environment (its secrets' fallbacks) is the calculator's.
      env: {},
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    this.stderr = '';
    // Read, but never what keeps the server running (the IPC channel does while a job runs).
    (worker.stderr as (Readable & { unref?: () => void }) | null)?.unref?.();
    worker.stderr?.setEncoding('utf8').on('data', (text: string) => {
      if (this.worker === worker) this.stderr = (this.stderr + text).slice(-STDERR_TAIL);
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
    // A process that could not start (ENOENT, EAGAIN, EMFILE) emits 'error', never 'close'.
    worker.on('error', (error) => {
      if (worker.pid === undefined) this.ended(worker, error.message);
    });
    // On 'close', not 'exit': stderr has been read to its end (V8's out-of-memory report).
    worker.on('close', (code, signal) => this.ended(worker, signal ?? `exit code ${code}`));
    this.worker = worker;
    return worker;
  }

  /** The process is gone: the call it ran fails, saying why. */
  private ended(worker: ChildProcess, why: string): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    this.ready = false;
    const pending = this.running;
    if (!pending) return;
    this.settle(pending, () =>
      pending.reject(
        /heap out of memory/.test(this.stderr)
          ? new ToolError(
              `the calculation needs more than ${this.limits.maxHeapMb} MB of memory and was stopped; simplify it`,
            )
          : new Error(`the calculator stopped unexpectedly (${why})`),
      ),
    );
  }

  /** Kills the current process; the next call starts a fresh one. */
  private kill(): void {
    const worker = this.worker;
    this.worker = undefined;
    this.ready = false;
    worker?.kill('SIGKILL');
  }

  /** Settles a call once, frees the process for the next one. */
  private settle(pending: Pending, settle: () => void): void {
    clearTimeout(pending.timer);
    pending.signal.removeEventListener('abort', pending.onAbort);
    settle();
    if (this.running === pending) {
      this.running = undefined;
      if (!this.queue.length && this.worker) unref(this.worker);
    }
    this.next();
  }
}

/** An idle process does not keep the server's event loop alive (its IPC channel would). */
function unref(worker: ChildProcess): void {
  worker.unref();
  worker.channel?.unref();
}
