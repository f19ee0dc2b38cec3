import { randomUUID } from 'node:crypto';
import type { ConfigTree } from '../../src/configuration/config-layers.js';
import { secretsDir } from './key-file.js';
import { startApp, type TestApp } from './test-app.js';

/** An upstream key that looks real and is unique to the run, to grep logs and bodies for. */
export function fakeKey(prefix: string): string {
  return `${prefix}-${randomUUID()}`;
}

/** Boots the app with these `connectors:` entries and their keys as files in a fresh secrets dir. */
export function startWithConnectors(
  connectors: ConfigTree[],
  secrets: Record<string, string> = {},
  extra: ConfigTree = {},
): Promise<TestApp> {
  return startApp({ config: { ...extra, connectors, secrets: { dir: secretsDir(secrets) } } });
}

/** A fake OpenAI upstream as the connector `up`, for tests of what stands in front of it. */
export function fakeOpenAiConnector(upstreamUrl: string): ConfigTree {
  return {
    name: 'up',
    provider: 'openai',
    baseUrl: `${upstreamUrl}/v1`,
    defaultModel: 'gpt-fake',
    maxRetries: 0,
  };
}
