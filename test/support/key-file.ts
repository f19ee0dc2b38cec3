import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh secrets directory for one test app, holding one file per secret (mode 600) as Docker mounts them. */
export function secretsDir(secrets: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'secrets-'));
  for (const [name, value] of Object.entries(secrets))
    writeFileSync(join(dir, name), `${value}\n`, { mode: 0o600 });
  return dir;
}

export function newKey(): string {
  return `sk-${randomBytes(32).toString('base64url')}`;
}

export interface TestKey {
  id: string;
  user: string;
  key: string;
  ols: string[];
  tier?: string;
  disabled?: boolean;
  trustForwardedUser?: boolean;
  admin?: boolean;
}

/** Writes the `api_keys` secret as the operator would: hashes only, mode 600. */
export function writeKeyFile(dir: string, keys: TestKey[]): void {
  const entries = keys.map(({ key, ...rest }) => ({
    ...rest,
    sha256: createHash('sha256').update(key).digest('hex'),
  }));
  writeFileSync(join(dir, 'api_keys'), JSON.stringify({ keys: entries }, null, 2), { mode: 0o600 });
}
