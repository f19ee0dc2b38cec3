import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const HOOKS = join(ROOT, 'test', 'support', 'ts-hooks.ts');
/** A spawned process loads the whole app graph: seconds on a busy 2-core machine. */
const SPAWN_TIMEOUT = 60_000;

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function spawnEntry(entry: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, ['--import', HOOKS, join(ROOT, 'src', entry), ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, ...env },
  });
}

/**
 * Runs an entry point of `src/` as its own process, as an operator would (no build needed),
 * until it exits — or until its stdout matches `until`, when it gets a SIGTERM.
 */
export function run(
  entry: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  until?: RegExp,
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawnEntry(entry, args, env);
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), SPAWN_TIMEOUT - 5_000);
    let stopped = false;
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (!stopped && until?.test(stdout)) stopped = child.kill('SIGTERM');
    });
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Starts `src/main.ts` as a process and resolves once it listens, with its URL. */
export function serve(env: NodeJS.ProcessEnv): Promise<{ url: string; stop: () => Promise<Run> }> {
  return new Promise((resolve, reject) => {
    const child = spawnEntry('main.ts', [], { PORT: '0', ...env });
    let stdout = '';
    let stderr = '';
    const exited = new Promise<Run>((done) =>
      child.on('close', (code) => done({ code, stdout, stderr })),
    );
    const timer = setTimeout(() => child.kill('SIGKILL'), SPAWN_TIMEOUT - 5_000);
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      const url = /listening on (http:\/\/[\d.:[\]a-f]+:\d+)/.exec(stdout)?.[1];
      if (url) {
        clearTimeout(timer);
        resolve({
          url,
          stop: () => {
            child.kill('SIGTERM');
            return exited;
          },
        });
      }
    });
    void exited.then((result) => {
      clearTimeout(timer);
      reject(new Error(`main exited (${result.code}) before listening:\n${result.stderr}`));
    });
  });
}
