import { afterEach, describe, expect, it } from '@jest/globals';
import { request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { gracefulShutdown } from '../src/protocol/graceful-shutdown.js';
import { probeRecord, ProbeModule } from './fixtures/probe.logic.js';
import { startApp, type TestApp } from './support/test-app.js';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close().catch(() => undefined);
  t = undefined;
});

/** Starts a streaming request and resolves once its first bytes arrived. */
function openStream(url: string, model: string, requestId: string) {
  return new Promise<{ abort: () => void; body: Promise<string> }>((resolve, reject) => {
    const req = request(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': requestId },
    });
    req.on('error', reject);
    req.on('response', (res) => {
      let text = '';
      const body = new Promise<string>((done) => {
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => done(text));
        res.on('error', () => done(text));
        res.on('close', () => done(text));
      });
      res.once('data', (d: Buffer) => {
        text += d.toString();
        resolve({ abort: () => req.destroy(), body });
      });
    });
    req.end(JSON.stringify({ model, stream: true, messages: [{ role: 'user', content: 'go' }] }));
  });
}

describe('client disconnect', () => {
  it('aborts ctx.signal for the OL when the client goes away mid-stream', async () => {
    t = await startApp({ imports: [ProbeModule] });
    const stream = await openStream(t.url, 'urn:mvp:probe:mode=slow', 'disconnect-1');
    expect(probeRecord.aborted).not.toContain('disconnect-1');
    stream.abort();
    for (let i = 0; i < 50 && !probeRecord.aborted.includes('disconnect-1'); i++) await sleep(10);
    expect(probeRecord.aborted).toContain('disconnect-1');
    // and the server keeps serving
    const c = await t.client.chat.completions.create({
      model: 'urn:mvp:echo',
      messages: [{ role: 'user', content: 'up' }],
    });
    expect(c.choices[0].message.content).toBe('up');
  });

  it('does not abort a request that completed normally', async () => {
    t = await startApp({ imports: [ProbeModule] });
    await fetch(`${t.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'complete-1' },
      body: JSON.stringify({ model: 'urn:mvp:probe', messages: [{ role: 'user', content: 'x' }] }),
    });
    await sleep(20);
    expect(probeRecord.aborted).not.toContain('complete-1');
  });
});

describe('graceful shutdown', () => {
  it('lets a running stream finish, refuses new connections, then closes', async () => {
    t = await startApp();
    const app = t.app;
    const silent = { log: () => undefined, warn: () => undefined, error: () => undefined };
    const stop = gracefulShutdown(app, 5_000, silent);
    // ~10 chunks 50 ms apart: still running when the shutdown starts.
    const stream = await openStream(t.url, 'urn:mvp:echo:chunk=1:delay_ms=50', 'drain-1');
    const stopping = stop('SIGTERM');
    await sleep(50);
    await expect(fetch(`${t.url}/health`)).rejects.toThrow();
    const body = await stream.body;
    expect(body.trimEnd().endsWith('data: [DONE]')).toBe(true);
    await stopping;
    t = undefined;
  });

  it('cuts streams still running after the timeout', async () => {
    t = await startApp({ imports: [ProbeModule] });
    const silent = { log: () => undefined, warn: () => undefined, error: () => undefined };
    const stop = gracefulShutdown(t.app, 100, silent);
    const stream = await openStream(t.url, 'urn:mvp:probe:mode=slow', 'cut-1');
    const started = Date.now();
    await stop('SIGTERM');
    await stream.body;
    expect(Date.now() - started).toBeLessThan(2_000);
    for (let i = 0; i < 50 && !probeRecord.aborted.includes('cut-1'); i++) await sleep(10);
    expect(probeRecord.aborted).toContain('cut-1');
    t = undefined;
  });
});
