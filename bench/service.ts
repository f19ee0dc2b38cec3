import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../src/bootstrap.js';
import { answerCpuQueries } from './cpu.js';

/**
 * The service under test, in its own process, as deployed: request logging on (to stdout,
 * which the bench discards), the `chat` OL on two OpenAI connectors pointing at the bench's
 * upstreams.
 */
const [fast, paced] = process.argv.slice(2);
const app = await createApp({
  config: {
    env: { NODE_ENV: 'production' },
    override: {
      server: { host: '127.0.0.1', port: 0 },
      secrets: { dir: mkdtempSync(join(tmpdir(), 'bench-secrets-')) },
      connectors: [
        {
          name: 'fast',
          provider: 'openai',
          baseUrl: `${fast}/v1`,
          defaultModel: 'gpt-bench',
          maxRetries: 0,
        },
        {
          name: 'paced',
          provider: 'openai',
          baseUrl: `${paced}/v1`,
          defaultModel: 'gpt-bench',
          maxRetries: 0,
        },
      ],
    },
  },
});
await app.listen(0, '127.0.0.1');
process.send?.({ url: `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}` });
answerCpuQueries();
// Exit with the bench (also when it dies): no orphan servers.
process.once('disconnect', () => process.exit(0));
