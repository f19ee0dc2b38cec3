import type { ChildProcess } from 'node:child_process';

/**
 * In a bench child process: answers the bench's `cpu` queries with the CPU time the process
 * has used so far (all its threads: JS, GC helpers, libuv), in µs.
 */
export function answerCpuQueries(): void {
  process.on('message', (message) => {
    if (message !== 'cpu') return;
    const { user, system } = process.cpuUsage();
    process.send?.({ cpuUs: user + system });
  });
}

/** The CPU time `child` has used so far, in µs (it must call `answerCpuQueries`). */
export function cpuOf(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    const onMessage = (message: unknown): void => {
      const cpuUs = (message as { cpuUs?: unknown } | null)?.cpuUs;
      if (typeof cpuUs !== 'number') return;
      child.off('message', onMessage);
      resolve(cpuUs);
    };
    child.on('message', onMessage);
    child.send('cpu');
  });
}
