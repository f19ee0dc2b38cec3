import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import OpenAI from 'openai';
import { createApp } from '../src/bootstrap.js';
import { UserWorkspacePolicy, WorkspaceModule } from './fixtures/auth/workspace.logic.js';
import { WhoamiModule } from './fixtures/auth/whoami.logic.js';
import { newKey, secretsDir, writeKeyFile, type TestKey } from './support/key-file.js';
import { assertMatchesSpec } from './support/openai-spec.js';
import { startApp, type TestApp } from './support/test-app.js';

const alice: TestKey = {
  id: 'alice-laptop',
  user: 'alice',
  key: newKey(),
  ols: ['echo', 'whoami', 'workspace'],
};
const bob: TestKey = {
  id: 'bob-1',
  user: 'bob',
  key: newKey(),
  ols: ['reverse:by=words', 'workspace'],
};
const off: TestKey = { id: 'off-1', user: 'mallory', key: newKey(), ols: ['*'], disabled: true };
const webui: TestKey = {
  id: 'open-webui',
  user: 'webui',
  key: newKey(),
  ols: ['*'],
  trustForwardedUser: true,
};
const later: TestKey = { id: 'later-1', user: 'dora', key: newKey(), ols: ['echo'] };
const allKeys = [alice, bob, off, webui, later];

const hi = [{ role: 'user' as const, content: 'hi' }];
const OPEN_WEBUI_HEADERS = {
  'X-OpenWebUI-User-Id': 'owui-user-42',
  'X-OpenWebUI-User-Email': 'eve@example.com',
  'X-OpenWebUI-User-Role': 'admin',
  'X-OpenWebUI-Chat-Id': 'chat-7',
};

let t: TestApp;
let dir: string;

function client(key: TestKey | string, headers: Record<string, string> = {}): OpenAI {
  const apiKey = typeof key === 'string' ? key : key.key;
  return new OpenAI({ baseURL: `${t.url}/v1`, apiKey, maxRetries: 0, defaultHeaders: headers });
}

async function raw(path: string, init: RequestInit = {}) {
  const res = await fetch(`${t.url}${path}`, init);
  const body = (await res.json()) as Record<string, unknown>;
  return { status: res.status, body, headers: res.headers };
}

const chat = (model: string, headers: Record<string, string>) =>
  raw('/v1/chat/completions', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model, messages: hi }),
  });

const auditEvents = (event: string) =>
  t.logs.entries().filter((e) => e.audit === true && e.event === event);

beforeAll(async () => {
  dir = secretsDir();
  writeKeyFile(dir, [alice, bob, off, webui]);
  t = await startApp({
    imports: [WorkspaceModule, WhoamiModule],
    config: { secrets: { dir }, auth: { reloadIntervalMs: 100 }, logging: { level: 'debug' } },
  });
});
afterAll(() => t.close());

describe('authentication', () => {
  it('401 invalid_api_key in OpenAI shape without a key, audited', async () => {
    const res = await chat('urn:mvp:echo', {});
    expect(res.status).toBe(401);
    assertMatchesSpec('ErrorResponse', res.body);
    expect(res.body.error).toMatchObject({
      type: 'invalid_request_error',
      code: 'invalid_api_key',
      param: null,
    });
    expect(auditEvents('auth.failed').some((e) => e.reason === 'missing')).toBe(true);
  });

  it('401 for an unknown key and for a disabled one, with the same answer', async () => {
    const unknown = await client(newKey())
      .models.list()
      .catch((e: unknown) => e);
    const disabled = await client(off)
      .chat.completions.create({ model: 'urn:mvp:echo', messages: hi })
      .catch((e: unknown) => e);
    for (const error of [unknown, disabled]) {
      expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
      expect((error as InstanceType<typeof OpenAI.AuthenticationError>).code).toBe(
        'invalid_api_key',
      );
      expect((error as Error).message).toContain('Incorrect API key provided.');
    }
    const reasons = auditEvents('auth.failed').map((e) => [e.reason, e.keyId]);
    expect(reasons).toContainEqual(['unknown', undefined]);
    expect(reasons).toContainEqual(['disabled', 'off-1']);
  });

  it('401 for a malformed Authorization header', async () => {
    expect((await chat('urn:mvp:echo', { authorization: `Basic ${alice.key}` })).status).toBe(401);
  });

  it('accepts the key as Bearer, api-key or x-api-key', async () => {
    const ways: Array<Record<string, string>> = [
      { authorization: `Bearer ${alice.key}` },
      { 'api-key': alice.key },
      { 'x-api-key': alice.key },
    ];
    for (const headers of ways) {
      const res = await chat('urn:mvp:echo', headers);
      expect(res.status).toBe(200);
    }
  });

  it('keeps /health public', async () => {
    expect((await raw('/health')).status).toBe(200);
  });

  it('logs the user and key id on the request line', async () => {
    await client(alice).models.list();
    await sleep(20);
    const line = t.logs
      .entries()
      .find((e) => e.keyId === 'alice-laptop' && (e.req as { url?: string })?.url === '/v1/models');
    expect(line).toMatchObject({ user: 'alice' });
  });
});

describe('authorization', () => {
  it('lists only the models a key may use (key patterns, then OL policies)', async () => {
    const ids = async (key: TestKey) =>
      (await client(key).models.list()).data.map((m) => m.id).sort();
    expect(await ids(alice)).toEqual([
      'urn:mvp:echo',
      'urn:mvp:whoami',
      'urn:mvp:workspace:workspace=/srv/alice',
    ]);
    expect(await ids(bob)).toEqual([
      'urn:mvp:reverse:by=words',
      'urn:mvp:workspace:workspace=/srv/bob',
    ]);
  });

  it('answers a model the key may not use as one that does not exist (404 model_not_found), audited', async () => {
    const retrieved = await client(alice)
      .models.retrieve('urn:mvp:reverse')
      .catch((e: unknown) => e);
    expect(retrieved).toBeInstanceOf(OpenAI.NotFoundError);
    expect((await client(bob).models.retrieve('urn:mvp:reverse:by=words')).id).toBe(
      'urn:mvp:reverse:by=words',
    );

    const res = await chat('urn:mvp:reverse', { authorization: `Bearer ${alice.key}` });
    expect(res.status).toBe(404);
    assertMatchesSpec('ErrorResponse', res.body);
    expect(res.body.error).toMatchObject({ code: 'model_not_found', param: 'model' });
    // bob may use reverse only by words: the default (by=chars) is not covered.
    expect((await chat('urn:mvp:reverse', { authorization: `Bearer ${bob.key}` })).status).toBe(
      404,
    );
    expect(
      (await chat('urn:mvp:reverse:by=words', { authorization: `Bearer ${bob.key}` })).status,
    ).toBe(200);
    expect(
      auditEvents('access.denied').some(
        (e) => e.keyId === 'alice-laptop' && e.urn === 'urn:mvp:reverse',
      ),
    ).toBe(true);
  });

  it('lets router errors through as they are', async () => {
    const res = await chat('urn:mvp:echo:chunk=zero', { authorization: `Bearer ${alice.key}` });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'invalid_model_param' });
  });

  it('applies an OL-registered policy after the key check: 403 with its reason, or through', async () => {
    const policy = t.app.get(UserWorkspacePolicy);
    const ok = await client(alice).chat.completions.create({
      model: 'urn:mvp:workspace:workspace=/srv/alice/docs',
      messages: hi,
    });
    expect(ok.choices[0].message.content).toBe('working in /srv/alice/docs');

    for (const workspace of ['/srv/bob', '/srv/alice/../bob']) {
      const res = await chat(`urn:mvp:workspace:workspace=${workspace}`, {
        authorization: `Bearer ${alice.key}`,
      });
      expect(res.status).toBe(403);
      assertMatchesSpec('ErrorResponse', res.body);
      expect(res.body.error).toMatchObject({
        type: 'invalid_request_error',
        code: 'permission_denied',
        message: expect.stringContaining("user 'alice' may only use workspaces under /srv/alice"),
      });
    }
    expect(policy.checked).toContainEqual({ user: 'alice', workspace: '/srv/bob' });
    // The key check comes first: the policy is not asked about models the key cannot use.
    const before = policy.checked.length;
    expect(
      (await chat('urn:mvp:workspace:workspace=/srv/bob', { authorization: `Bearer ${later.key}` }))
        .status,
    ).toBe(401);
    expect(policy.checked.length).toBe(before);
  });
});

describe('identity given to the OL', () => {
  const whoami = async (key: TestKey, headers: Record<string, string> = {}, user?: string) => {
    const res = await client(key, headers).chat.completions.create({
      model: 'urn:mvp:whoami',
      messages: hi,
      ...(user ? { user } : {}),
    });
    return JSON.parse(res.choices[0].message.content ?? '{}') as Record<string, unknown>;
  };

  it('is the validated key: user, key id, tier; OpenAI `user` only as end user', async () => {
    expect(await whoami(alice)).toEqual({
      userId: 'alice',
      keyId: 'alice-laptop',
      tier: 'default',
    });
    expect(await whoami(alice, {}, 'root')).toEqual({
      userId: 'alice',
      keyId: 'alice-laptop',
      tier: 'default',
      endUser: 'root',
    });
  });

  it("ignores Open WebUI's forwarded-user headers from an ordinary key", async () => {
    expect(await whoami(alice, OPEN_WEBUI_HEADERS)).toEqual({
      userId: 'alice',
      keyId: 'alice-laptop',
      tier: 'default',
    });
  });

  it('takes the end user and chat id from them for a key marked trustForwardedUser', async () => {
    expect(await whoami(webui, OPEN_WEBUI_HEADERS, 'ignored-body-user')).toEqual({
      userId: 'webui',
      keyId: 'open-webui',
      tier: 'default',
      endUser: 'owui-user-42',
      endUserRole: 'admin',
      conversationId: 'chat-7',
    });
  });

  it('passes a forwarded role only with a forwarded user', async () => {
    const { 'X-OpenWebUI-User-Role': role, 'X-OpenWebUI-Chat-Id': chat } = OPEN_WEBUI_HEADERS;
    expect(
      await whoami(webui, { 'X-OpenWebUI-User-Role': role, 'X-OpenWebUI-Chat-Id': chat }, 'u-9'),
    ).toEqual({
      userId: 'webui',
      keyId: 'open-webui',
      tier: 'default',
      endUser: 'u-9',
      conversationId: 'chat-7',
    });
  });
});

describe('key rotation', () => {
  it('picks up a changed key file without restart; a bad file keeps the last good set', async () => {
    expect((await chat('urn:mvp:echo', { authorization: `Bearer ${later.key}` })).status).toBe(401);
    writeKeyFile(dir, [alice, bob, off, webui, later]);
    await waitFor(
      async () =>
        (await chat('urn:mvp:echo', { authorization: `Bearer ${later.key}` })).status === 200,
    );
    expect(auditEvents('keys.reloaded').length).toBeGreaterThan(0);

    await sleep(150);
    writeFileSync(join(dir, 'api_keys'), '{"keys": [ {"id": "half-written"', { mode: 0o600 });
    await waitFor(async () => auditEvents('keys.reload_failed').length > 0);
    expect((await chat('urn:mvp:echo', { authorization: `Bearer ${later.key}` })).status).toBe(200);
    writeKeyFile(dir, allKeys);
  });
});

describe('booting without keys', () => {
  it('refuses a non-loopback bind, naming the way out', async () => {
    const error = await createApp({
      config: {
        override: { server: { host: '0.0.0.0', port: 0 }, secrets: { dir: secretsDir() } },
        env: { NODE_ENV: 'test' },
      },
      logDestination: { write: () => undefined },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(
      /'0\.0\.0\.0' is not a loopback address and no API keys are configured/,
    );
    expect((error as Error).message).toMatch(/auth\.allowAnonymous: true/);
  });

  it('serves a non-loopback bind anonymously only when auth.allowAnonymous is set', async () => {
    const app = await startApp({
      config: {
        server: { host: '0.0.0.0' },
        secrets: { dir: secretsDir() },
        auth: { allowAnonymous: true },
      },
    });
    try {
      expect((await app.client.models.list()).data.length).toBeGreaterThan(0);
      expect(app.logs.text()).toMatch(/AUTHENTICATION IS OFF on 0\.0\.0\.0/);
    } finally {
      await app.close();
    }
  });

  it('is open on loopback, with a loud warning', async () => {
    const app = await startApp({ config: { secrets: { dir: secretsDir() } } });
    try {
      const res = await fetch(`${app.url}/v1/models`);
      expect(res.status).toBe(200);
      expect(app.logs.text()).toMatch(/AUTHENTICATION IS OFF: no API keys/);
    } finally {
      await app.close();
    }
  });
});

describe('secrecy', () => {
  it('never writes an API key value to the logs', async () => {
    await sleep(50);
    const text = t.logs.text();
    expect(text.length).toBeGreaterThan(1000);
    for (const { key } of allKeys) {
      expect(text).not.toContain(key);
      expect(text).not.toContain(key.slice(3, 20));
    }
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await sleep(50);
  }
}
