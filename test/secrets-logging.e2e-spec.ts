import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { LeakyModule, NOT_OURS } from './fixtures/leaky.logic.js';
import { postRaw } from './support/sse.js';
import { startApp, type TestApp } from './support/test-app.js';

// Known secret values, one per way of supplying them; one with characters that JSON and
// URLs escape, so the escaped forms are checked too.
const API_KEY = `sk-live-${randomUUID()}`;
const BACKUP_KEY = `bk-${randomUUID()}`;
const WEBHOOK_TOKEN = `tok"en\\with/special+chars=${randomUUID()}`;
const SECRETS = [API_KEY, BACKUP_KEY, WEBHOOK_TOKEN];
/** A bearer token the service does not know: it must not be logged either. */
const STRANGER_TOKEN = `sk-stranger-${randomUUID()}`;

/** A provider that refuses the key and quotes it back, as OpenAI's 401 does. */
function startRefusingUpstream(): Promise<Server> {
  const server = createServer((req, res) => {
    req.resume();
    const auth = req.headers.authorization ?? '';
    res.writeHead(401, { 'content-type': 'application/json', 'x-echo-authorization': auth });
    res.end(
      JSON.stringify({
        error: {
          message: `Incorrect API key provided: ${auth.slice(7)}`,
          type: 'invalid_request_error',
          code: 'invalid_api_key',
        },
      }),
    );
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function secretsSetup(): NodeJS.ProcessEnv {
  const dir = mkdtempSync(join(tmpdir(), 'e2e-secrets-'));
  writeFileSync(join(dir, 'leaky_api_key'), `${API_KEY}\n`);
  chmodSync(join(dir, 'leaky_api_key'), 0o600);
  const elsewhere = mkdtempSync(join(tmpdir(), 'e2e-secret-file-'));
  writeFileSync(join(elsewhere, 'backup'), BACKUP_KEY);
  chmodSync(join(elsewhere, 'backup'), 0o600);
  return {
    NODE_ENV: 'test',
    SECRETS_DIR: dir,
    LEAKY_BACKUP_KEY_FILE: join(elsewhere, 'backup'),
    LEAKY_WEBHOOK_TOKEN: WEBHOOK_TOKEN,
  };
}

function leakyConfig(upstreamUrl: string, logContent: boolean) {
  return {
    logging: { level: 'trace', logContent },
    ols: {
      leaky: {
        apiKey: { secret: 'leaky_api_key' },
        backupKey: { secret: 'leaky_backup_key' },
        webhookToken: { secret: 'leaky_webhook_token' },
        upstreamUrl,
      },
    },
  };
}

/** Every form in which a value could reach a log line. */
function forms(value: string): string[] {
  return [value, JSON.stringify(value).slice(1, -1), encodeURIComponent(value)];
}

describe('no log line ever shows a secret', () => {
  let upstream: Server;
  let t: TestApp;

  beforeAll(async () => {
    upstream = await startRefusingUpstream();
    const upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`;
    t = await startApp({
      env: secretsSetup(),
      config: leakyConfig(upstreamUrl, true),
      imports: [LeakyModule],
      apiKey: API_KEY,
    });

    const everything = `all of them: ${SECRETS.join(' | ')}`;
    // Secrets in the Authorization header (the SDK), in message bodies and the `user` field.
    await t.client.chat.completions.create({
      model: 'urn:mvp:echo',
      messages: [
        { role: 'system', content: API_KEY },
        { role: 'user', content: everything },
      ],
      user: BACKUP_KEY,
    });
    const stream = await t.client.chat.completions.create({
      model: 'urn:mvp:echo:chunk=3',
      stream: true,
      messages: [{ role: 'user', content: everything }],
    });
    for await (const chunk of stream) expect(chunk.object).toBe('chat.completion.chunk');
    // Secrets in other headers, a stranger's bearer token, and a URL.
    await postRaw(
      `${t.url}/v1/chat/completions`,
      { model: 'urn:mvp:echo', messages: [{ role: 'user', content: 'headers' }] },
      {
        authorization: `Bearer ${STRANGER_TOKEN}`,
        'x-api-key': API_KEY,
        cookie: `session=${BACKUP_KEY}`,
      },
    );
    await fetch(`${t.url}/v1/models?key=${encodeURIComponent(WEBHOOK_TOKEN)}&other=${API_KEY}`);
    // Secrets in a body that fails to parse, and in an unknown model's name.
    await fetch(`${t.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` },
      body: `{"model":"urn:mvp:echo","messages":[{"role":"user","content":"${API_KEY}"`,
    });
    await postRaw(`${t.url}/v1/chat/completions`, {
      model: `urn:mvp:${BACKUP_KEY}`,
      messages: [{ role: 'user', content: 'x' }],
    });
    // An upstream error that quotes the key, thrown exceptions before and after the stream
    // started, and an OL that logs the secrets outright.
    await expect(
      t.client.chat.completions.create({
        model: 'urn:mvp:leaky:mode=upstream',
        messages: [{ role: 'user', content: 'x' }],
      }),
    ).rejects.toBeInstanceOf(OpenAI.InternalServerError);
    await expect(
      t.client.chat.completions.create({
        model: 'urn:mvp:leaky:mode=throw',
        messages: [{ role: 'user', content: 'x' }],
      }),
    ).rejects.toBeInstanceOf(OpenAI.InternalServerError);
    const late = await postRaw(`${t.url}/v1/chat/completions`, {
      model: 'urn:mvp:leaky:mode=midstream',
      stream: true,
      messages: [{ role: 'user', content: 'x' }],
    });
    expect(late.events.at(-2)).toMatch(/"error"/);
    await t.client.chat.completions.create({
      model: 'urn:mvp:leaky:mode=log',
      messages: [{ role: 'user', content: 'x' }],
    });
    // pino writes synchronously to the capture; let the last request lines land.
    await new Promise((r) => setTimeout(r, 50));
  });

  afterAll(async () => {
    await t?.close();
    upstream?.close();
  });

  it('captured the traffic, with secrets redacted where they were logged', () => {
    const text = t.logs.text();
    expect(t.logs.lines.length).toBeGreaterThan(20);
    // The values did reach the logger — and were replaced.
    expect(text).toContain('[REDACTED]');
    expect(text).toContain('calling upstream with [REDACTED] and [REDACTED]');
    expect(text).toContain('Incorrect API key provided: [REDACTED]');
    expect(text).toContain('"holder":"[secret]"');
  });

  it('has no secret value in any line, in any encoding', () => {
    for (const line of t.logs.lines) {
      for (const secret of SECRETS)
        for (const form of forms(secret)) expect(line).not.toContain(form);
    }
  });

  it('has no Authorization header value, even one that is no secret of ours', () => {
    const text = t.logs.text();
    expect(text).not.toContain(STRANGER_TOKEN);
    // Logged by code, under the keys errors and requests carry them in: redacted by path.
    expect(text).not.toContain(NOT_OURS);
    expect(t.logs.entries().find((e) => e.options !== undefined)).toMatchObject({
      request: { headers: { authorization: '[REDACTED]' } },
      error: { headers: { cookie: '[REDACTED]', 'x-api-key': '[REDACTED]' } },
      options: { apiKey: '[REDACTED]' },
      err: { config: { headers: { Authorization: '[REDACTED]' } } },
      response: { headers: { 'set-cookie': '[REDACTED]' } },
    });
    expect(text).not.toMatch(/Bearer [^[\s"]/);
  });

  it('logs one line per request with id, user, URN, OL, status, latency and usage', () => {
    const lines = t.logs.entries().filter((e) => e.responseTime !== undefined);
    const echo = lines.find((e) => e.urn === 'urn:mvp:echo' && e.stream === false);
    expect(echo).toMatchObject({
      level: 30,
      req: { id: expect.any(String), method: 'POST', url: '/v1/chat/completions' },
      res: { statusCode: 200 },
      user: 'anonymous',
      ol: 'echo',
      usage: { prompt_tokens: expect.any(Number), completion_tokens: expect.any(Number) },
      responseTime: expect.any(Number),
    });
    const failed = lines.find((e) => e.urn === 'urn:mvp:leaky:mode=throw');
    expect(failed).toMatchObject({ level: 50, res: { statusCode: 500 }, ol: 'leaky' });
    const refused = lines.find((e) => (e.res as { statusCode: number }).statusCode === 404);
    expect(refused).toMatchObject({ level: 40 });
  });

  it('tags what is logged while a request is served with its request id', () => {
    const said = t.logs
      .entries()
      .find((e) => e.msg === 'calling upstream with [REDACTED] and [REDACTED]');
    const request = t.logs.entries().find((e) => e.urn === 'urn:mvp:leaky:mode=log');
    expect(said?.reqId).toEqual(expect.any(String));
    expect(request?.req).toMatchObject({ id: said?.reqId });
  });

  it('logs the messages only because logging.logContent is on', () => {
    const echo = t.logs.entries().find((e) => e.urn === 'urn:mvp:echo' && e.stream === false);
    expect(echo?.messages).toEqual([
      { role: 'system', content: '[REDACTED]' },
      { role: 'user', content: 'all of them: [REDACTED] | [REDACTED] | [REDACTED]' },
    ]);
  });

  it('records config and secrets loading in the audit stream, names only', () => {
    const audit = t.logs.entries().filter((e) => e.audit === true);
    expect(audit.find((e) => e.event === 'config.loaded')).toMatchObject({
      level: 30,
      hash: expect.stringMatching(/^[0-9a-f]{64}$/),
      files: expect.arrayContaining(['override', 'env SECRETS_DIR']),
    });
    expect(audit.find((e) => e.event === 'secrets.loaded')?.secrets).toEqual([
      { name: 'leaky_api_key', from: 'file' },
      { name: 'leaky_backup_key', from: 'file-env' },
      { name: 'leaky_webhook_token', from: 'env' },
    ]);
  });

  it('warns once that a secret came from the environment, naming the variable', () => {
    const warnings = t.logs
      .entries()
      .filter((e) => String(e.msg).includes('taken from the environment variable'));
    expect(warnings.map((e) => e.msg)).toEqual([
      expect.stringMatching(
        /^secret "leaky_webhook_token" taken from the environment variable LEAKY_WEBHOOK_TOKEN;/,
      ),
    ]);
  });
});

describe('error messages clients see', () => {
  it('never carry a secret value, whatever code wrote the message', async () => {
    const upstream = await startRefusingUpstream();
    const upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`;
    const t = await startApp({
      env: secretsSetup(),
      config: leakyConfig(upstreamUrl, false),
      imports: [LeakyModule],
    });
    try {
      const refused = await postRaw(`${t.url}/v1/chat/completions`, {
        model: 'urn:mvp:leaky:mode=refuse',
        messages: [{ role: 'user', content: 'x' }],
      });
      expect(refused.status).toBe(400);
      expect(refused.raw).toContain('[REDACTED]');
      const late = await postRaw(`${t.url}/v1/chat/completions`, {
        model: 'urn:mvp:leaky:mode=midstream',
        stream: true,
        messages: [{ role: 'user', content: 'x' }],
      });
      for (const body of [refused.raw, late.raw]) {
        for (const secret of SECRETS) expect(body).not.toContain(secret);
      }
    } finally {
      await t.close();
      upstream.close();
    }
  });
});

describe('message contents', () => {
  it('are not logged while logging.logContent is off', async () => {
    const t = await startApp({ config: { logging: { level: 'trace' } } });
    try {
      const marker = `private-prompt-${randomUUID()}`;
      await t.client.chat.completions.create({
        model: 'urn:mvp:echo',
        messages: [{ role: 'user', content: marker }],
      });
      await new Promise((r) => setTimeout(r, 20));
      expect(t.logs.entries().some((e) => e.urn === 'urn:mvp:echo')).toBe(true);
      expect(t.logs.text()).not.toContain(marker);
    } finally {
      await t.close();
    }
  });
});
