import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface SecretLookup {
  value?: string;
  /** Where the value came from, or every place tried when absent. */
  tried: string[];
  from?: 'file' | 'file-env' | 'env';
  /** Set when a secret file can be read by group or others. */
  looseMode?: string;
}

/** `openai_api_key` → `OPENAI_API_KEY`. */
export function envNameOf(secret: string): string {
  return secret.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

/**
 * Resolution order: `<dir>/<name>` file, then the file named by `<NAME>_FILE`, then the
 * `<NAME>` environment variable. One trailing newline is trimmed (editors add it).
 */
export function lookupSecret(name: string, dir: string, env: NodeJS.ProcessEnv): SecretLookup {
  const envName = envNameOf(name);
  const tried: string[] = [];
  const candidates: Array<[string | undefined, 'file' | 'file-env']> = [
    [join(dir, name), 'file'],
    [env[`${envName}_FILE`], 'file-env'],
  ];
  for (const [path, from] of candidates) {
    if (from === 'file-env') tried.push(`file named by $${envName}_FILE`);
    else tried.push(`file ${path}`);
    if (!path) continue;
    const read = readIfFile(path);
    if (read) return { value: read.value, tried: [path], from, looseMode: read.looseMode };
  }
  tried.push(`env $${envName}`);
  const value = env[envName];
  if (value !== undefined && value !== '') return { value, tried: [`$${envName}`], from: 'env' };
  return { tried };
}

function readIfFile(path: string): { value: string; looseMode?: string } | undefined {
  try {
    const stat = statSync(path);
    if (!stat.isFile()) return undefined;
    const value = readFileSync(path, 'utf8').replace(/\r?\n$/, '');
    const loose = process.platform !== 'win32' && (stat.mode & 0o077) !== 0;
    return { value, looseMode: loose ? (stat.mode & 0o777).toString(8) : undefined };
  } catch {
    return undefined;
  }
}
