import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import OpenAI from 'openai';
import { ProbeModule } from './fixtures/probe.logic.js';
import { newKey, secretsDir, writeKeyFile, type TestKey } from './support/key-file.js';
import { startApp, type TestApp } from './support/test-app.js';

/** The usage ledger counts streamed calls on both endpoints, those failing at once included. */

const ops: TestKey = { id: 'ops-1', user: 'ops', key: newKey(), ols: ['*'], admin: true };
const carl: TestKey = { id: 'carl-1', user: 'carl', key: newKey(), ols: ['*'] };
const dana: TestKey = { id: 'dana-1', user: 'dana', key: newKey(), ols: ['*'] };

let t: TestApp;
const clientFor = (key: TestKey) =>
  new OpenAI({ baseURL: `${t.url}/v1`, apiKey: key.key, adminAPIKey: key.key, maxRetries: 0 });

/** What is read of a completions usage result. */
interface Row {
  model: string | null;
  num_model_requests: number;
  output_tokens: number;
}

/** Requests and tokens the ledger holds for `user` on the probe and echo OLs. */
async function ledger(user: string) {
  const page = await clientFor(ops).admin.organization.usage.completions({
    start_time: Math.floor(Date.now() / 1000) - 86_400,
    group_by: ['user_id', 'model'],
    user_ids: [user],
  });
  const rows = page.data.flatMap((bucket) => bucket.results as unknown as Row[]);
  return Object.fromEntries(
    ['probe', 'echo'].map((model) => {
      const mine = rows.filter((r) => r.model === model);
      return [
        model,
        {
          requests: mine.reduce((n, r) => n + r.num_model_requests, 0),
          output: mine.reduce((n, r) => n + r.output_tokens, 0),
        },
      ];
    }),
  );
}

beforeAll(async () => {
  const dir = secretsDir();
  writeKeyFile(dir, [ops, carl, dana]);
  t = await startApp({
    imports: [ProbeModule],
    apiKey: ops.key,
    config: { secrets: { dir }, usage: { flushMs: 3_600_000 } },
  });
});
afterAll(() => t?.close());

describe('usage ledger of streamed calls', () => {
  it('chat completions: a stream failing before its first event is one request with no tokens', async () => {
    const failed = await clientFor(carl)
      .chat.completions.create({
        model: 'urn:mvp:probe:mode=fail_early',
        messages: [{ role: 'user', content: 'x' }],
        stream: true,
      })
      .catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(OpenAI.InternalServerError);
    expect(await ledger('carl')).toEqual({
      probe: { requests: 1, output: 0 },
      echo: { requests: 0, output: 0 },
    });
  });

  it('responses: the same, and a streamed answer counts its tokens', async () => {
    const failed = await clientFor(dana)
      .responses.create({ model: 'urn:mvp:probe:mode=fail_early', input: 'x', stream: true })
      .catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(OpenAI.InternalServerError);
    const answered = await clientFor(dana)
      .responses.stream({ model: 'urn:mvp:echo', input: 'count these words' })
      .finalResponse();
    expect(await ledger('dana')).toEqual({
      probe: { requests: 1, output: 0 },
      echo: { requests: 1, output: answered.usage!.output_tokens },
    });
  });
});
