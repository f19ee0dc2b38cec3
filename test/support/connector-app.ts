import { randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConfigTree } from '../../src/configuration/config-layers.js';
import { startApp, type TestApp } from './test-app.js';

/** An upstream key that looks real and is unique to the run, to grep logs and bodies for. */
export function fakeKey(prefix: string): string {
  return `${prefix}-${randomUUID()}`;
}

/** A secrets directory holding one file per secret (mode 600), as Docker mounts them. */
export function secretsDir(secrets: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'connector-secrets-'));
  for (const [name, value] of Object.entries(secrets)) {
    writeFileSync(join(dir, name), `${value}\n`);
    chmodSync(join(dir, name), 0o600);
  }
  return dir;
}

/** Boots the app with these `connectors:` entries and their keys as files in a fresh secrets dir. */
export function startWithConnectors(
  connectors: ConfigTree[],
  secrets: Record<string, string> = {},
  extra: ConfigTree = {},
): Promise<TestApp> {
  return startApp({ config: { ...extra, connectors, secrets: { dir: secretsDir(secrets) } } });
}
