import autocannon from 'autocannon';
import { Agent, request } from 'undici';

/** One way to reach the upstream: directly, through the floor reference, through the service. */
export interface Target {
  name: 'direct' | 'floor' | 'service';
  url: string;
  /** The same request for each, but for the `model` (the service's is a URN). */
  body: string;
  streamBody: string;
}

const HEADERS = { 'content-type': 'application/json' };
const agent = new Agent({ connections: null, keepAliveTimeout: 30_000 });

/**
 * Requests one after the other (one in flight) for `ms`: the latency of each in ms, to the
 * last byte, or to the first body byte when `firstByte`.
 */
export async function sequential(
  url: string,
  body: string,
  ms: number,
  firstByte: boolean,
): Promise<number[]> {
  const samples: number[] = [];
  const end = performance.now() + ms;
  while (performance.now() < end) {
    const started = performance.now();
    const res = await request(url, { method: 'POST', headers: HEADERS, body, dispatcher: agent });
    let first = 0;
    for await (const chunk of res.body)
      if (!first && (chunk as Buffer).length) first = performance.now();
    if (res.statusCode !== 200) throw new Error(`${url} answered ${res.statusCode}`);
    samples.push((firstByte ? first : performance.now()) - started);
  }
  return samples;
}

/** Requests per second at `connections` in flight, and how many were answered, from autocannon. */
export async function throughput(
  url: string,
  body: string,
  connections: number,
  seconds: number,
): Promise<{ rps: number; requests: number }> {
  const result = await autocannon({
    url,
    method: 'POST',
    headers: HEADERS,
    body,
    connections,
    duration: seconds,
  });
  if (result.errors || result.non2xx || result.timeouts) {
    throw new Error(
      `${url}: ${result.errors} errors, ${result.non2xx} non-2xx, ${result.timeouts} timeouts`,
    );
  }
  return { rps: result.requests.average, requests: result.requests.total };
}

/** When each piece of one streamed answer arrived, in ms after the request was sent. */
export async function arrivals(url: string, body: string): Promise<number[]> {
  const started = performance.now();
  const res = await request(url, { method: 'POST', headers: HEADERS, body, dispatcher: agent });
  const times: number[] = [];
  for await (const chunk of res.body) {
    const text = (chunk as Buffer).toString('utf8');
    const pieces = text
      .split('\n\n')
      .filter((e) => e.includes('"content":"') && !e.includes('"content":""')).length;
    for (let i = 0; i < pieces; i++) times.push(performance.now() - started);
  }
  return times;
}

export function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export function closeClient(): Promise<void> {
  return agent.close();
}
