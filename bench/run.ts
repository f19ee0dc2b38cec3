import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { clientCosts } from './client-cost.js';
import { cpuOf } from './cpu.js';
import {
  arrivals,
  closeClient,
  percentile,
  sequential,
  throughput,
  type Target,
} from './measure.js';

/**
 * `npm run bench`: the cost of the service on its hot path, the `chat` OL passing a
 * conversation through to an OpenAI-compatible upstream. Starts a fake upstream, the
 * service and a floor reference (a minimal Nest + Express app piping the same request to
 * the same upstream), each in its own process, and measures in one run, the three targets
 * interleaved in rounds so that a busy machine slows them alike:
 *  - latency at one request in flight, unstreamed: service minus direct, p50 and p99;
 *  - time to first byte of a stream: service minus direct;
 *  - requests/s at 50 connections, unstreamed and streamed, as ratios, and the CPU time each
 *    target's process spent per request meanwhile (all its threads; for direct, the upstream's);
 *  - that a paced upstream stream arrives piece by piece (nothing buffered);
 *  - the CPU one streamed chat call costs through the `openai` SDK (with each `fetch`) and
 *    through the connector's own HTTP path.
 * Results go to stdout and `bench/results/latest.json`.
 */

const ROUNDS = 3;
const LATENCY_MS = 1_200;
const LOAD_ROUNDS = 2;
const LOAD_SECONDS = 3;
const CONNECTIONS = 50;
const PACED_DELAY_MS = 20;
const TARGETS = { addedP50Ms: 1, addedP99Ms: 3, addedTtfbP50Ms: 1, throughputVsFloor: 0.7 };

function start(
  script: string,
  args: string[],
): Promise<{ child: ChildProcess; message: Record<string, string> }> {
  const child = fork(fileURLToPath(new URL(script, import.meta.url)), args, {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', (message) =>
      resolve({ child, message: message as Record<string, string> }),
    );
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
}

const round2 = (n: number): number => Math.round(n * 100) / 100;

async function main(): Promise<void> {
  const started = Date.now();
  const upstream = await start('./upstream.js', [String(PACED_DELAY_MS)]);
  const { fast, paced } = upstream.message;
  const service = await start('./service.js', [fast, paced]);
  const floor = await start('./floor.js', [fast]);
  const children = [upstream.child, service.child, floor.child];

  try {
    const messages = [{ role: 'user', content: 'Tell me about foxes.' }];
    const request = (model: string, stream: boolean): string =>
      JSON.stringify({
        model,
        messages,
        ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
      });
    const targets: Target[] = [
      {
        name: 'direct',
        url: `${fast}/v1/chat/completions`,
        body: request('gpt-bench', false),
        streamBody: request('gpt-bench', true),
      },
      {
        name: 'floor',
        url: `${floor.message.url}/v1/chat/completions`,
        body: request('gpt-bench', false),
        streamBody: request('gpt-bench', true),
      },
      {
        name: 'service',
        url: `${service.message.url}/v1/chat/completions`,
        body: request('urn:mvp:chat:connector=fast', false),
        streamBody: request('urn:mvp:chat:connector=fast', true),
      },
    ];

    process.stdout.write('warming up…\n');
    for (const t of targets) {
      await throughput(t.url, t.body, 10, 1);
      await throughput(t.url, t.streamBody, 10, 1);
    }

    process.stdout.write('latency at one request in flight…\n');
    const latency = new Map(targets.map((t) => [t.name, [] as number[]]));
    const ttfb = new Map(targets.map((t) => [t.name, [] as number[]]));
    for (let r = 0; r < ROUNDS; r++) {
      for (const t of targets)
        latency.get(t.name)!.push(...(await sequential(t.url, t.body, LATENCY_MS, false)));
      for (const t of targets)
        ttfb.get(t.name)!.push(...(await sequential(t.url, t.streamBody, LATENCY_MS, true)));
    }

    process.stdout.write(`requests/s at ${CONNECTIONS} connections…\n`);
    const processOf = { direct: upstream.child, floor: floor.child, service: service.child };
    const rps = { unstreamed: new Map<string, number>(), streamed: new Map<string, number>() };
    // CPU µs and requests, summed over rounds.
    const cpu = {
      unstreamed: new Map<string, { us: number; requests: number }>(),
      streamed: new Map<string, { us: number; requests: number }>(),
    };
    const load = async (t: Target, mode: 'unstreamed' | 'streamed'): Promise<void> => {
      const before = await cpuOf(processOf[t.name]);
      const run = await throughput(
        t.url,
        mode === 'streamed' ? t.streamBody : t.body,
        CONNECTIONS,
        LOAD_SECONDS,
      );
      const us = (await cpuOf(processOf[t.name])) - before;
      rps[mode].set(t.name, (rps[mode].get(t.name) ?? 0) + run.rps / LOAD_ROUNDS);
      const sum = cpu[mode].get(t.name) ?? { us: 0, requests: 0 };
      cpu[mode].set(t.name, { us: sum.us + us, requests: sum.requests + run.requests });
    };
    for (let r = 0; r < LOAD_ROUNDS; r++) {
      for (const t of targets) {
        await load(t, 'unstreamed');
        await load(t, 'streamed');
      }
    }

    process.stdout.write('stream pacing…\n');
    const pacedBody = request('urn:mvp:chat:connector=paced', true);
    for (let i = 0; i < 5; i++)
      await arrivals(`${service.message.url}/v1/chat/completions`, pacedBody);
    const direct = await arrivals(`${paced}/v1/chat/completions`, request('gpt-bench', true));
    const times = await arrivals(`${service.message.url}/v1/chat/completions`, pacedBody);
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    const lag = Math.max(...times.map((t, i) => t - (direct[i] ?? Infinity)));

    process.stdout.write('CPU per streamed call of each HTTP client…\n');
    const clients = await clientCosts(fast);

    const stat = (m: Map<string, number[]>, name: string) => ({
      p50: round2(percentile(m.get(name)!, 50)),
      p99: round2(percentile(m.get(name)!, 99)),
      n: m.get(name)!.length,
    });
    const lat = Object.fromEntries(targets.map((t) => [t.name, stat(latency, t.name)]));
    const first = Object.fromEntries(targets.map((t) => [t.name, stat(ttfb, t.name)]));
    const ratios = (m: Map<string, number>) => ({
      direct: Math.round(m.get('direct')!),
      floor: Math.round(m.get('floor')!),
      service: Math.round(m.get('service')!),
      serviceVsFloor: round2(m.get('service')! / m.get('floor')!),
      floorVsDirect: round2(m.get('floor')! / m.get('direct')!),
      serviceVsDirect: round2(m.get('service')! / m.get('direct')!),
    });
    const cpuPerRequest = (m: Map<string, { us: number; requests: number }>) => {
      const per = (name: string): number => m.get(name)!.us / m.get(name)!.requests;
      return {
        direct: Math.round(per('direct')),
        floor: Math.round(per('floor')),
        service: Math.round(per('service')),
        floorVsService: round2(per('floor') / per('service')),
      };
    };
    const result = {
      date: new Date().toISOString(),
      node: process.version,
      cpus: cpus().length,
      seconds: Math.round((Date.now() - started) / 1000),
      latencyMs: {
        ...lat,
        addedP50: round2(lat.service.p50 - lat.direct.p50),
        addedP99: round2(lat.service.p99 - lat.direct.p99),
        floorAddedP50: round2(lat.floor.p50 - lat.direct.p50),
      },
      streamFirstByteMs: {
        ...first,
        addedP50: round2(first.service.p50 - first.direct.p50),
        addedP99: round2(first.service.p99 - first.direct.p99),
      },
      requestsPerSecond: {
        connections: CONNECTIONS,
        unstreamed: ratios(rps.unstreamed),
        streamed: ratios(rps.streamed),
      },
      cpuPerRequestUs: {
        unstreamed: cpuPerRequest(cpu.unstreamed),
        streamed: cpuPerRequest(cpu.streamed),
      },
      pacedStream: {
        upstreamDelayMs: PACED_DELAY_MS,
        pieces: times.length,
        firstPieceMs: round2(times[0]),
        directFirstPieceMs: round2(direct[0]),
        medianGapMs: round2(percentile(gaps, 50)),
        minGapMs: round2(Math.min(...gaps)),
        maxLagBehindDirectMs: round2(lag),
      },
      cpuPerStreamedCallUs: clients,
      targets: TARGETS,
      met: {} as Record<string, boolean>,
    };
    result.met = {
      addedP50: result.latencyMs.addedP50 <= TARGETS.addedP50Ms,
      addedP99: result.latencyMs.addedP99 <= TARGETS.addedP99Ms,
      addedTtfbP50: result.streamFirstByteMs.addedP50 <= TARGETS.addedTtfbP50Ms,
      throughputUnstreamed:
        result.requestsPerSecond.unstreamed.serviceVsFloor >= TARGETS.throughputVsFloor,
      throughputStreamed:
        result.requestsPerSecond.streamed.serviceVsFloor >= TARGETS.throughputVsFloor,
      // Each piece arrives as the upstream sent it, paced like the upstream's: a buffering
      // proxy would deliver pieces together (gaps near zero).
      unbuffered:
        times.length === direct.length &&
        percentile(gaps, 50) >= PACED_DELAY_MS * 0.75 &&
        Math.min(...gaps) > PACED_DELAY_MS / 4,
    };

    mkdirSync(fileURLToPath(new URL('../../bench/results/', import.meta.url)), { recursive: true });
    writeFileSync(
      fileURLToPath(new URL('../../bench/results/latest.json', import.meta.url)),
      `${JSON.stringify(result, null, 2)}\n`,
    );
    process.stdout.write(`\n${report(result)}\n`);
  } finally {
    await closeClient();
    for (const child of children) child.kill();
  }
}

function report(r: {
  latencyMs: Record<string, unknown> & { addedP50: number; addedP99: number };
  streamFirstByteMs: Record<string, unknown> & { addedP50: number; addedP99: number };
  requestsPerSecond: { unstreamed: Record<string, number>; streamed: Record<string, number> };
  cpuPerRequestUs: { unstreamed: Record<string, number>; streamed: Record<string, number> };
  pacedStream: Record<string, number>;
  cpuPerStreamedCallUs: Record<string, number>;
  met: Record<string, boolean>;
}): string {
  const l = r.latencyMs as unknown as Record<
    'direct' | 'floor' | 'service',
    { p50: number; p99: number }
  >;
  const f = r.streamFirstByteMs as unknown as Record<
    'direct' | 'floor' | 'service',
    { p50: number; p99: number }
  >;
  const u = r.requestsPerSecond.unstreamed;
  const s = r.requestsPerSecond.streamed;
  const cu = r.cpuPerRequestUs.unstreamed;
  const cs = r.cpuPerRequestUs.streamed;
  const ok = (b: boolean): string => (b ? 'met' : 'MISSED');
  return [
    '| measure | direct | floor | service | service − direct / ratio | target |',
    '|---|---|---|---|---|---|',
    `| latency p50, 1 in flight (ms) | ${l.direct.p50} | ${l.floor.p50} | ${l.service.p50} | +${r.latencyMs.addedP50} | ≤ 1: ${ok(r.met.addedP50)} |`,
    `| latency p99, 1 in flight (ms) | ${l.direct.p99} | ${l.floor.p99} | ${l.service.p99} | +${r.latencyMs.addedP99} | ≤ 3: ${ok(r.met.addedP99)} |`,
    `| stream first byte p50 (ms) | ${f.direct.p50} | ${f.floor.p50} | ${f.service.p50} | +${r.streamFirstByteMs.addedP50} | ≤ 1: ${ok(r.met.addedTtfbP50)} |`,
    `| stream first byte p99 (ms) | ${f.direct.p99} | ${f.floor.p99} | ${f.service.p99} | +${r.streamFirstByteMs.addedP99} | |`,
    `| requests/s, 50 conn., unstreamed | ${u.direct} | ${u.floor} | ${u.service} | ${u.serviceVsFloor}× floor | ≥ 0.7×: ${ok(r.met.throughputUnstreamed)} |`,
    `| requests/s, 50 conn., streamed | ${s.direct} | ${s.floor} | ${s.service} | ${s.serviceVsFloor}× floor | ≥ 0.7×: ${ok(r.met.throughputStreamed)} |`,
    `| CPU per request, 50 conn., unstreamed (µs) | ${cu.direct} | ${cu.floor} | ${cu.service} | floor ÷ service: ${cu.floorVsService} | |`,
    `| CPU per request, 50 conn., streamed (µs) | ${cs.direct} | ${cs.floor} | ${cs.service} | floor ÷ service: ${cs.floorVsService} | |`,
    `| paced stream, pieces ${r.pacedStream.upstreamDelayMs} ms apart | first at ${r.pacedStream.directFirstPieceMs} ms | | first at ${r.pacedStream.firstPieceMs} ms, gaps ≥ ${r.pacedStream.minGapMs} ms | at most ${r.pacedStream.maxLagBehindDirectMs} ms behind | unbuffered: ${ok(r.met.unbuffered)} |`,
    '',
    '| HTTP client for one streamed chat call | CPU per call (µs) |',
    '|---|---|',
    ...Object.entries(r.cpuPerStreamedCallUs).map(([name, us]) => `| ${name} | ${us} |`),
  ].join('\n');
}

await main();
