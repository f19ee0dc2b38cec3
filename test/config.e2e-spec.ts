import { afterEach, describe, expect, it } from '@jest/globals';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../src/bootstrap.js';
import { ConfigurationError } from '../src/configuration/configuration.error.js';
import { loggingConfig, type LoggingConfig } from '../src/logging/logging.config.js';
import { serverConfig, type ServerConfig } from '../src/protocol/server.config.js';
import { SecretsError } from '../src/secrets/secrets.error.js';
import { LeakyModule } from './fixtures/leaky.logic.js';
import { LogCapture } from './support/log-capture.js';
import { run } from './support/run-entry.js';
import { startApp, type TestApp } from './support/test-app.js';

/** A spawned process loads the whole app graph: seconds on a busy 2-core machine. */
const SPAWN_TIMEOUT = 60_000;

function tempDir(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'config-e2e-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

describe('the real process', () => {
  it(
    'stops on a bad configuration with one line per problem: where, key path, expected, found',
    async () => {
      const dir = tempDir({
        'bad.yaml': [
          'server:',
          '  port: "eighty"',
          '  hots: 0.0.0.0',
          'logging:',
          '  level: loud',
          '  apiKey: sk-literal-value-123',
          'severs: {}',
          'ols:',
          '  echo:',
          '    maxDelayMs: 99999',
          '',
        ].join('\n'),
      });
      const file = join(dir, 'bad.yaml');
      // PORT, a deployment knob, overrides the file's port: its fault is named by the variable.
      const { code, stdout, stderr } = await run('main.ts', [], { APP_CONFIG: file, PORT: 'http' });
      expect(code).toBe(1);
      expect(stdout).toBe('');
      expect(stderr.split('\n')).toEqual([
        'Invalid configuration (6 problems):',
        `  - ${file}:6: logging.apiKey: looks like a literal secret: configuration never holds secrets; write { secret: <name> } and put the value in the secrets directory`,
        `  - ${file}:5: logging.level: expected one of: fatal, error, warn, info, debug, trace, silent; found a string`,
        `  - ${file}:10: ols.echo.maxDelayMs: expected at most 5000; found an integer`,
        `  - ${file}:3: server.hots: unknown key (check the spelling)`,
        '  - env PORT: server.port: expected an integer, at least 0, at most 65535; found a string',
        `  - ${file}:7: severs: unknown section (check the spelling, or the module that owns it is not loaded)`,
        '',
      ]);
      expect(stderr).not.toMatch(/sk-literal|eighty|loud|99999/);
    },
    SPAWN_TIMEOUT,
  );

  it(
    'boots on a good configuration: JSON lines on stdout, config and secrets audited',
    async () => {
      const { code, stdout, stderr } = await run(
        'main.ts',
        [],
        { PORT: '0', LOG_LEVEL: 'info' },
        /listening on/,
      );
      expect(stderr).toBe('');
      expect(code).toBe(0);
      const lines = stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines.find((l) => l.event === 'config.loaded')).toMatchObject({
        audit: true,
        files: ['config/default.yaml', 'env PORT', 'env LOG_LEVEL'],
        hash: expect.stringMatching(/^[0-9a-f]{64}$/),
      });
      expect(lines.find((l) => l.event === 'secrets.loaded')).toMatchObject({ audit: true });
      expect(lines.some((l) => String(l.msg).startsWith('listening on http://127.0.0.1:'))).toBe(
        true,
      );
    },
    SPAWN_TIMEOUT,
  );
});

describe('npm run config:check', () => {
  it(
    'prints the merged configuration, defaults included, and exits 0',
    async () => {
      const dir = tempDir({
        'good.yaml': 'server:\n  port: 8080\nols:\n  echo:\n    maxDelayMs: 250\n',
      });
      const good = await run('config-check.ts', [join(dir, 'good.yaml')], { HOST: '0.0.0.0' });
      expect(good.code).toBe(0);
      expect(good.stderr).toBe('');
      expect(good.stdout).toMatch(
        /^# Configuration OK: config\/default\.yaml, .*good\.yaml, env HOST\n# sha256 [0-9a-f]{64}\n/,
      );
      expect(good.stdout).toMatch(/^server:\n {2}host: 0\.0\.0\.0\n {2}port: 8080\n/m);
      expect(good.stdout).toMatch(/^ols:\n {2}echo:\n {4}maxDelayMs: 250\n/m);
      // Failures: see config-check.spec.ts (same function, in-process).
    },
    SPAWN_TIMEOUT,
  );
});

describe('configuration through the app', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('layers default → <NODE_ENV> → APP_CONFIG → env, replacing arrays', async () => {
    const dir = tempDir({
      'config/default.yaml':
        'server:\n  host: 127.0.0.1\n  port: 3000\n  bodyLimit: 1mb\nlogging:\n  redact: [a.b, c.d]\n',
      'config/staging.yaml': 'server:\n  port: 3100\n  bodyLimit: 2mb\nlogging:\n  redact: [e.f]\n',
      'app.yaml': 'server:\n  port: 3200\n',
    });
    const app = await createApp({
      config: {
        configDir: join(dir, 'config'),
        env: { NODE_ENV: 'staging', APP_CONFIG: join(dir, 'app.yaml'), HOST: '::1' },
      },
      logDestination: new LogCapture(),
    });
    try {
      expect(app.get<ServerConfig>(serverConfig.KEY)).toMatchObject({
        host: '::1',
        port: 3200,
        bodyLimit: '2mb',
      });
      expect(app.get<LoggingConfig>(loggingConfig.KEY).redact).toEqual(['e.f']);
    } finally {
      await app.close();
    }
  });

  it('reports a YAML syntax error with its file and line', async () => {
    const dir = tempDir({ 'broken.yaml': 'server:\n  port: 1\n\thost: x\n' });
    const error = await createApp({
      config: { env: { APP_CONFIG: join(dir, 'broken.yaml') } },
      logDestination: new LogCapture(),
    }).catch((e: unknown) => e);
    expect((error as Error).message).toBe(
      `Invalid configuration (1 problem):\n  - ${join(dir, 'broken.yaml')}:3: YAML syntax: Tabs are not allowed as indentation`,
    );
  });

  it('refuses a literal secret written in YAML', async () => {
    const error = await createApp({
      config: { env: {}, override: { ols: { leaky: { apiKey: 'sk-in-yaml-0123' } } } },
      imports: [LeakyModule],
      logDestination: new LogCapture(),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).problems).toEqual([
      expect.objectContaining({
        source: 'override',
        path: 'ols.leaky.apiKey',
        message: expect.stringMatching(/^looks like a literal secret/),
      }),
    ]);
    expect((error as Error).message).not.toContain('sk-in-yaml');
  });

  it('stops the boot when a referenced secret is missing, naming the file and the variable tried', async () => {
    const secrets = tempDir();
    const error = await createApp({
      config: {
        env: { SECRETS_DIR: secrets },
        override: { ols: { leaky: { apiKey: { secret: 'leaky_api_key' } } } },
      },
      imports: [LeakyModule],
      logDestination: new LogCapture(),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretsError);
    expect((error as Error).message).toBe(
      'Missing secret:\n' +
        `  - "leaky_api_key" (referenced by ols.leaky.apiKey): not found; tried file ${join(secrets, 'leaky_api_key')}, env LEAKY_API_KEY_FILE, env LEAKY_API_KEY`,
    );
  });

  it('warns at boot about a secret file that group or others can read', async () => {
    const secrets = tempDir({ leaky_api_key: 'sk-loose-0123456789' });
    chmodSync(join(secrets, 'leaky_api_key'), 0o644);
    t = await startApp({
      env: { SECRETS_DIR: secrets },
      config: { ols: { leaky: { apiKey: { secret: 'leaky_api_key' } } } },
      imports: [LeakyModule],
    });
    expect(t.logs.entries()).toContainEqual(
      expect.objectContaining({
        level: 40,
        msg: `secret file ${join(secrets, 'leaky_api_key')} is readable by group or others (mode 644); chmod 600 it`,
      }),
    );
  });
});

describe('an OL-owned section: ols.echo', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('is injected into the OL: a default prefix, and a bound on delay_ms', async () => {
    t = await startApp({ config: { ols: { echo: { maxDelayMs: 100, defaultPrefix: '> ' } } } });
    const reply = await t.client.chat.completions.create({
      model: 'urn:mvp:echo',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(reply.choices[0].message.content).toBe('> hi');
    const own = await t.client.chat.completions.create({
      model: 'urn:mvp:echo:prefix=',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(own.choices[0].message.content).toBe('hi');
    await expect(
      t.client.chat.completions.create({
        model: 'urn:mvp:echo:delay_ms=200',
        messages: [{ role: 'user', content: 'hi' }],
      }),
    ).rejects.toMatchObject({
      status: 400,
      param: 'model',
      message: expect.stringContaining(
        "Invalid model URN parameter 'delay_ms' for 'echo': at most 100 on this server",
      ),
    });
  });

  it('is validated at boot like any other section', async () => {
    const error = await createApp({
      config: { env: {}, override: { ols: { echo: { maxDelay: 5 } } } },
      logDestination: new LogCapture(),
    }).catch((e: unknown) => e);
    expect((error as ConfigurationError).problems).toEqual([
      {
        source: 'override',
        path: 'ols.echo.maxDelay',
        message: 'unknown key (check the spelling)',
      },
    ]);
  });
});
