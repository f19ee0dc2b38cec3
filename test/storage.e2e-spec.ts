import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from '@jest/globals';
import { createApp } from '../src/bootstrap.js';
import { WhoamiModule } from './fixtures/auth/whoami.logic.js';
import { newKey, secretsDir, writeKeyFile, type TestKey } from './support/key-file.js';
import { postRaw } from './support/sse.js';
import { startApp } from './support/test-app.js';

const pat: TestKey = { id: 'pat-1', user: 'pat', key: newKey(), ols: ['*'], tier: 'metered' };

describe('the default store: a SQLite file', () => {
  it('keeps the token ledger across a restart', async () => {
    const dir = secretsDir();
    writeKeyFile(dir, [pat]);
    const path = join(mkdtempSync(join(tmpdir(), 'state-')), 'data', 'store.sqlite');
    const config = {
      secrets: { dir },
      storage: { path }, // no driver named: the default
      rateLimit: { tiers: { metered: { requests: 100, tokensPerMinute: 120 } } },
    };
    const remainingTokens = async (url: string): Promise<string | null> => {
      const res = await postRaw(
        `${url}/v1/chat/completions`,
        { model: 'urn:mvp:whoami', messages: [{ role: 'user', content: 'hi' }] },
        { authorization: `Bearer ${pat.key}` },
      );
      expect(res.status).toBe(200);
      return res.headers.get('x-ratelimit-remaining-tokens');
    };

    const before = await startApp({ imports: [WhoamiModule], config });
    try {
      expect(before.logs.text()).toContain(`storage driver: sqlite (${path})`);
      expect(await remainingTokens(before.url)).toBe('120'); // then records 50
      await sleep(20); // usage is recorded after the response
    } finally {
      await before.close();
    }
    const after = await startApp({ imports: [WhoamiModule], config });
    try {
      expect(await remainingTokens(after.url)).toBe('70');
    } finally {
      await after.close();
    }
  });

  it('refuses to boot on a file it cannot use, naming storage.path', async () => {
    const notAFolder = join(mkdtempSync(join(tmpdir(), 'state-')), 'plain-file');
    writeFileSync(notAFolder, '');
    const error = await createApp({
      config: {
        override: { storage: { path: join(notAFolder, 'store.sqlite') } },
        env: { NODE_ENV: 'test' },
      },
      logDestination: { write: () => undefined },
    }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(
      /storage\.path: cannot use the SQLite file .*plain-file/,
    );
  });
});
