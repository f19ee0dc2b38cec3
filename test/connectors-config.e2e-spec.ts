import { describe, expect, it } from '@jest/globals';
import { createApp } from '../src/bootstrap.js';
import type { ConfigTree } from '../src/configuration/config-layers.js';
import { ConfigurationError } from '../src/configuration/configuration.error.js';
import { ConnectorRegistry } from '../src/connectors/connector-registry.js';
import { SecretsError } from '../src/secrets/secrets.error.js';
import { LogCapture } from './support/log-capture.js';
import { secretsDir } from './support/key-file.js';

async function bootError(
  connectors: unknown,
  secrets: Record<string, string> = {},
  env: NodeJS.ProcessEnv = {},
): Promise<Error> {
  const override: ConfigTree = {
    connectors,
    secrets: { dir: secretsDir(secrets) },
    server: { port: 0 },
  };
  const app = await createApp({
    config: { override, env: { NODE_ENV: 'test', ...env } },
    logDestination: new LogCapture(),
  }).catch((e: unknown) => e);
  if (app instanceof Error) return app;
  await (app as { close(): Promise<void> }).close();
  throw new Error('the app booted');
}

describe('connectors configuration', () => {
  it('refuses bad entries at boot, naming every bad key at once', async () => {
    const error = await bootError([
      { name: 'ok', provider: 'openai', baseUrl: 'http://127.0.0.1:1/v1' },
      {
        name: 'bad name!',
        provider: 'gemini',
        baseUrl: 'not a url',
        timeoutMs: -1,
        maxRetries: 2.5,
        defaults: { max_tokens: 0 },
        colour: 'blue',
      },
      { name: 'claude', provider: 'anthropic' },
      { name: 'openai-cloud', provider: 'openai' },
    ]);
    expect(error).toBeInstanceOf(ConfigurationError);
    const paths = (error as ConfigurationError).problems.map((p) => p.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'connectors[1].name',
        'connectors[1].provider',
        'connectors[1].baseUrl',
        'connectors[1].timeoutMs',
        'connectors[1].maxRetries',
        'connectors[1].defaults.max_tokens',
        'connectors[1].colour',
        'connectors[2].apiKey',
        'connectors[3].apiKey',
      ]),
    );
    expect(paths).not.toContain('connectors[0].apiKey');
  });

  it('refuses sampling defaults on an anthropic connector, which could never send them', async () => {
    const error = await bootError([
      {
        name: 'oa',
        provider: 'openai',
        baseUrl: 'http://127.0.0.1:1/v1',
        defaults: { temperature: 0.2, top_p: 0.9 },
      },
      {
        name: 'claude',
        provider: 'anthropic',
        apiKey: { secret: 'k' },
        defaults: { max_tokens: 1024, temperature: 0.2, top_p: 0.9 },
      },
    ]);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).problems).toEqual([
      {
        source: 'override',
        path: 'connectors[1].defaults.temperature',
        message: expect.stringMatching(
          /^expected no temperature on an anthropic connector \(.*no sampling parameters.*\); found a number$/,
        ),
      },
      expect.objectContaining({ path: 'connectors[1].defaults.top_p' }),
    ]);
    expect(error.message).toContain('connectors[1].defaults.temperature: expected no temperature');
  });

  it('refuses a literal key in the YAML without printing it', async () => {
    const error = await bootError([
      { name: 'oa', provider: 'openai', apiKey: 'sk-literal-key-in-yaml' },
    ]);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toContain('connectors[0].apiKey');
    expect(error.message).not.toContain('sk-literal-key-in-yaml');
  });

  it('refuses two connectors with one name', async () => {
    const error = await bootError([
      { name: 'same', provider: 'ollama' },
      { name: 'same', provider: 'openai', baseUrl: 'http://127.0.0.1:1/v1' },
    ]);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).problems).toEqual([
      expect.objectContaining({ path: 'connectors[1].name', source: 'override' }),
    ]);
  });

  it('stops the boot when a referenced key is nowhere, naming the places tried', async () => {
    const error = await bootError([
      { name: 'claude', provider: 'anthropic', apiKey: { secret: 'anthropic_api_key' } },
    ]);
    expect(error).toBeInstanceOf(SecretsError);
    expect(error.message).toContain('anthropic_api_key');
    expect(error.message).toContain('ANTHROPIC_API_KEY');
  });

  it('takes a key from the environment when no file holds it', async () => {
    const override: ConfigTree = {
      connectors: [
        { name: 'claude', provider: 'anthropic', apiKey: { secret: 'anthropic_api_key' } },
      ],
      secrets: { dir: secretsDir({}) },
      server: { port: 0 },
    };
    const app = await createApp({
      config: { override, env: { NODE_ENV: 'test', ANTHROPIC_API_KEY: 'sk-ant-from-env' } },
      logDestination: new LogCapture(),
    });
    expect(app.get(ConnectorRegistry).get('claude').provider).toBe('anthropic');
    await app.close();
  });
});
