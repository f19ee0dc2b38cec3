import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { assertMatchesSpec } from './support/openai-spec.js';
import { postRaw } from './support/sse.js';
import { startApp, type TestApp } from './support/test-app.js';
import { ProbeModule } from './fixtures/probe.logic.js';

let t: TestApp;

beforeAll(async () => {
  t = await startApp({ imports: [ProbeModule], config: { server: { bodyLimit: '64kb' } } });
});
afterAll(() => t.close());

interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

async function post(
  body: string,
  headers: Record<string, string> = { 'content-type': 'application/json' },
) {
  const res = await fetch(`${t.url}/v1/chat/completions`, { method: 'POST', headers, body });
  const json = (await res.json()) as ErrorBody;
  assertMatchesSpec('ErrorResponse', json);
  return { status: res.status, error: json.error, headers: res.headers };
}

const hi = [{ role: 'user', content: 'hi' }];

describe('errors come out in OpenAI shape with the right status', () => {
  it('the spec check itself rejects a malformed error body', () => {
    expect(() => assertMatchesSpec('ErrorResponse', { error: { message: 'x' } })).toThrow(
      /does not match/,
    );
  });

  it('400 for malformed JSON', async () => {
    const { status, error } = await post('{"model": "urn:mvp:echo", ');
    expect(status).toBe(400);
    expect(error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_json' });
  });

  it('400 for a body that is not a JSON object, or not JSON at all', async () => {
    expect((await post('[1,2]')).status).toBe(400);
    expect((await post('model=x', { 'content-type': 'text/plain' })).status).toBe(400);
  });

  it.each([
    [{ messages: hi }, 'model'],
    [{ model: 42, messages: hi }, 'model'],
    [{ model: 'urn:mvp:echo' }, 'messages'],
    [{ model: 'urn:mvp:echo', messages: [] }, 'messages'],
    [{ model: 'urn:mvp:echo', messages: 'hi' }, 'messages'],
    [{ model: 'urn:mvp:echo', messages: [{ role: 'wizard', content: 'x' }] }, 'messages[0].role'],
    [{ model: 'urn:mvp:echo', messages: [{ role: 'user', content: 5 }] }, 'messages[0].content'],
    [
      { model: 'urn:mvp:echo', messages: [{ role: 'user', content: [{ type: 'text' }] }] },
      'messages[0].content',
    ],
    [{ model: 'urn:mvp:echo', messages: [{ role: 'user' }] }, 'messages[0].content'],
    [
      { model: 'urn:mvp:echo', messages: [{ role: 'tool', content: 'r' }] },
      'messages[0].tool_call_id',
    ],
    [{ model: 'urn:mvp:echo', messages: hi, temperature: 'hot' }, 'temperature'],
    [{ model: 'urn:mvp:echo', messages: hi, temperature: 3 }, 'temperature'],
    [{ model: 'urn:mvp:echo', messages: hi, max_tokens: 1.5 }, 'max_tokens'],
    [{ model: 'urn:mvp:echo', messages: hi, stream: 'yes' }, 'stream'],
    [
      { model: 'urn:mvp:echo', messages: hi, stream_options: { include_usage: 1 } },
      'stream_options.include_usage',
    ],
    [
      {
        model: 'urn:mvp:echo',
        messages: hi,
        tools: [{ type: 'function', function: { name: 'bad name!' } }],
      },
      'tools[0].function.name',
    ],
    [{ model: 'urn:mvp:echo', messages: hi, tool_choice: 'sometimes' }, 'tool_choice'],
    [{ model: 'urn:mvp:echo', messages: hi, stop: ['a', 'b', 'c', 'd', 'e'] }, 'stop'],
    [{ model: 'urn:mvp:echo', messages: hi, n: 2 }, 'n'],
    [{ model: 'urn:mvp:echo', messages: hi, user: 7 }, 'user'],
  ])('400 naming the param for %j', async (body, param) => {
    const { status, error } = await post(JSON.stringify(body));
    expect(status).toBe(400);
    expect(error.type).toBe('invalid_request_error');
    expect(error.param).toBe(param);
    expect(error.message).toContain(param);
  });

  it('404 model_not_found for an unknown model, OL or namespace', async () => {
    for (const model of ['gpt-4o', 'urn:mvp:nothing', 'urn:other:echo']) {
      const { status, error } = await post(JSON.stringify({ model, messages: hi }));
      expect(status).toBe(404);
      expect(error).toMatchObject({
        type: 'invalid_request_error',
        code: 'model_not_found',
        param: 'model',
      });
    }
  });

  it('400 for a malformed URN and for URN params the OL refuses', async () => {
    const malformed = await post(
      JSON.stringify({ model: 'urn:mvp:echo:chunk=1:chunk=2', messages: hi }),
    );
    expect(malformed.status).toBe(400);
    expect(malformed.error.code).toBe('invalid_model_urn');
    expect(malformed.error.message).toContain("'chunk=2'");

    const refused = await post(
      JSON.stringify({ model: 'urn:mvp:echo:delay_ms=999999', messages: hi }),
    );
    expect(refused.status).toBe(400);
    expect(refused.error.code).toBe('invalid_model_param');
    expect(refused.error.message).toContain("'delay_ms'");

    const unknown = await post(JSON.stringify({ model: 'urn:mvp:echo:colour=red', messages: hi }));
    expect(unknown.status).toBe(400);
    expect(unknown.error.message).toContain("'colour'");
  });

  it('413 for a body over the configured limit', async () => {
    const { status, error } = await post(
      JSON.stringify({
        model: 'urn:mvp:echo',
        messages: [{ role: 'user', content: 'x'.repeat(100_000) }],
      }),
    );
    expect(status).toBe(413);
    expect(error.code).toBe('request_too_large');
  });

  it("404 in OpenAI's shape for unknown routes", async () => {
    const res = await fetch(`${t.url}/v1/nothing-here`);
    expect(res.status).toBe(404);
    assertMatchesSpec('ErrorResponse', await res.json());
  });

  it('500 without internals for an exception before the stream starts', async () => {
    for (const stream of [false, true]) {
      const { status, error } = await post(
        JSON.stringify({ model: 'urn:mvp:probe:mode=fail_early', messages: hi, stream }),
      );
      expect(status).toBe(500);
      expect(error.type).toBe('server_error');
      expect(error.message).not.toContain('hunter2');
      expect(error.message).not.toContain('internal detail');
    }
  });

  it('an error after the stream started ends it with an error event and [DONE]', async () => {
    const sse = await postRaw(`${t.url}/v1/chat/completions`, {
      model: 'urn:mvp:probe:mode=fail_late',
      messages: hi,
      stream: true,
    });
    expect(sse.status).toBe(200);
    expect(sse.raw.endsWith('data: [DONE]\n\n')).toBe(true);
    const last = JSON.parse(sse.events.at(-2)!) as ErrorBody;
    assertMatchesSpec('ErrorResponse', last);
    expect(last.error.type).toBe('server_error');
    expect(last.error.message).not.toContain('internal detail');
    expect(JSON.parse(sse.events[0]).choices[0].delta.content).toBe('partial');

    // The SDK surfaces it as an error, not as a truncated success.
    const stream = await t.client.chat.completions.create({
      model: 'urn:mvp:probe:mode=fail_late',
      messages: [{ role: 'user', content: 'x' }],
      stream: true,
    });
    const received: unknown[] = [];
    await expect(
      (async () => {
        for await (const chunk of stream) received.push(chunk);
      })(),
    ).rejects.toThrow();
    expect(received.length).toBeGreaterThan(0);
  });

  it('the server still answers normally after all of the above', async () => {
    const completion = await t.client.chat.completions.create({
      model: 'urn:mvp:echo',
      messages: [{ role: 'user', content: 'still here' }],
    });
    expect(completion.choices[0].message.content).toBe('still here');
  });
});
