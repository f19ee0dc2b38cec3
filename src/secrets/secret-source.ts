import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SECRET_NAME } from './secret-ref.js';

/** Where a value was found: `<dir>/<name>`, the file named by `<NAME>_FILE`, or `<NAME>`. */
export type SecretOrigin = 'file' | 'file-env' | 'env';

export interface SecretLookup {
  value?: string;
  /** Where the value came from (one place), or every place tried when absent. */
  tried: string[];
  from?: SecretOrigin;
  /** Set (octal mode) when a secret file can be read by group or others. */
  looseMode?: string;
  /** A place that holds the secret but cannot be used (unreadable, empty): never fall back. */
  error?: string;
}

/** `openai_api_key` → `OPENAI_API_KEY`. */
export function envNameOf(secret: string): string {
  return secret.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

/**
 * Resolution order: `<dir>/<name>` file, then the file named by `<NAME>_FILE`, then the
 * `<NAME>` environment variable. Trailing newlines are trimmed (editors and `echo` add
 * them). A file that exists but cannot be used is an error, not a reason to look further:
 * the operator meant that file.
 */
export function lookupSecret(name: string, dir: string, env: NodeJS.ProcessEnv): SecretLookup {
  if (!SECRET_NAME.test(name)) {
    return { tried: [], error: 'not a valid secret name (letters, digits, "_", "." or "-")' };
  }
  const envName = envNameOf(name);
  const inDir = join(dir, name);
  const fromDir = readSecretFile(inDir);
  if (fromDir !== 'absent') return settle(fromDir, inDir, 'file');

  const named = env[`${envName}_FILE`];
  if (named) {
    const fromNamed = readSecretFile(named);
    if (fromNamed === 'absent')
      return { tried: [], error: `file ${named} (named by $${envName}_FILE) does not exist` };
    return settle(fromNamed, `${named} (named by $${envName}_FILE)`, 'file-env');
  }

  const value = env[envName];
  if (value !== undefined && value !== '') return { value, tried: [`env ${envName}`], from: 'env' };
  return { tried: [`file ${inDir}`, `env ${envName}_FILE`, `env ${envName}`] };
}

type FileRead = 'absent' | { value: string; looseMode?: string } | { error: string };

function settle(
  read: Exclude<FileRead, 'absent'>,
  place: string,
  from: SecretOrigin,
): SecretLookup {
  if ('error' in read) return { tried: [place], error: `file ${place} ${read.error}` };
  return { value: read.value, tried: [place], from, looseMode: read.looseMode };
}

function readSecretFile(path: string): FileRead {
  try {
    const stat = statSync(path);
    if (!stat.isFile()) return { error: 'is not a regular file' };
    const value = readFileSync(path, 'utf8').replace(/[\r\n]+$/, '');
    if (!value) return { error: 'is empty' };
    const loose = process.platform !== 'win32' && (stat.mode & 0o044) !== 0;
    return { value, looseMode: loose ? (stat.mode & 0o777).toString(8) : undefined };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return 'absent';
    return { error: `cannot be read (${code ?? 'error'})` };
  }
}
