import { describe, expect, it } from '@jest/globals';
import { run, serve } from './support/run-entry.js';

describe('extension modules (EXTENSION_MODULES)', () => {
  it('adds the OLs of a module named at start-up, without a rebuild', async () => {
    const server = await serve({ EXTENSION_MODULES: 'test/fixtures/probe.logic.ts#ProbeModule' });
    try {
      const models = (await (await fetch(`${server.url}/v1/models`)).json()) as {
        data: Array<{ id: string }>;
      };
      expect(models.data.map((m) => m.id)).toContain('urn:mvp:probe');
      const res = await fetch(`${server.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'urn:mvp:probe',
          messages: [{ role: 'user', content: 'x' }],
        }),
      });
      expect(
        ((await res.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]
          .message.content,
      ).toBe('ok');
    } finally {
      expect((await server.stop()).code).toBe(0);
    }
  }, 60_000);

  it('refuses to start, naming the entry, when a module cannot be loaded', async () => {
    const result = await run('main.ts', [], {
      PORT: '0',
      EXTENSION_MODULES: 'test/fixtures/probe.logic.ts#NoSuchModule, /nowhere/gone.js#X',
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('test/fixtures/probe.logic.ts#NoSuchModule: ');
    expect(result.stderr).toContain("exports no 'NoSuchModule'");
    expect(result.stderr).toContain('/nowhere/gone.js#X: cannot load /nowhere/gone.js');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);
});
