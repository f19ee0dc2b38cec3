import { startOpenAiFake } from '../test/fakes/openai-fake.js';
import { answerCpuQueries } from './cpu.js';

/**
 * The bench's upstream, in its own process: the test suite's fake OpenAI server, answering
 * every request with the same reply in ten streamed pieces; a second one paces its pieces
 * (`argv[2]` ms apart), to check that streams are forwarded piece by piece.
 */
const REPLY =
  'The quick brown fox jumps over the lazy dog, then naps in the warm afternoon sun by the river.';
const pacedDelayMs = Number(process.argv[2]);

const fast = await startOpenAiFake({
  defaultTurn: { text: REPLY, chunkSize: 10, usage: { input: 12, output: 10 } },
});
const paced = await startOpenAiFake({
  defaultTurn: { text: REPLY, chunkSize: 10, delayMs: pacedDelayMs },
});
process.send?.({ fast: fast.url, paced: paced.url });
answerCpuQueries();
// Exit with the bench (also when it dies): no orphan servers.
process.once('disconnect', () => process.exit(0));
