import { describe, expect, it } from '@jest/globals';
import type { Options } from 'ollama';
import type { ConfigSection } from '../../configuration/config-section.js';
import { validateTree } from '../../configuration/config-validator.js';
import { connectorsConfig, type ConnectorConfig } from '../connectors.config.js';

const sections = new Map<string, ConfigSection<object>>([['connectors', connectorsConfig]]);

function validate(...entries: Record<string, unknown>[]) {
  const { config, problems } = validateTree({ connectors: entries }, sections, new Map());
  return { connectors: config.connectors as ConnectorConfig[], problems };
}

const ollama = (settings: unknown) => ({ name: 'local', provider: 'ollama', ollama: settings });

describe('the ollama block of a connector entry', () => {
  it('takes every option name of the ollama package, and a keepAlive', () => {
    // A name missing here fails to compile: the list is the package's `Options`, all of it.
    const options: Record<keyof Options, unknown> = {
      numa: false,
      num_ctx: 32768,
      num_batch: 512,
      num_gpu: 99,
      main_gpu: 0,
      low_vram: false,
      f16_kv: true,
      logits_all: false,
      vocab_only: false,
      use_mmap: true,
      use_mlock: false,
      embedding_only: false,
      num_thread: 8,
      num_keep: 4,
      seed: 42,
      num_predict: 256,
      top_k: 40,
      top_p: 0.9,
      min_p: 0.05,
      tfs_z: 1,
      typical_p: 1,
      repeat_last_n: 64,
      temperature: 0.7,
      repeat_penalty: 1.1,
      presence_penalty: 0,
      frequency_penalty: 0,
      mirostat: 0,
      mirostat_tau: 5,
      mirostat_eta: 0.1,
      penalize_newline: true,
      stop: ['</s>'],
    };
    const { connectors, problems } = validate(ollama({ options, keepAlive: '10m' }));
    expect(problems).toEqual([]);
    expect({ ...connectors[0].ollama?.options }).toEqual(options);
    expect(connectors[0].ollama?.keepAlive).toBe('10m');
  });

  it.each(['5m', '1h30m', '300ms', '1.5h', '0', '-1s', 0, 300, -1])(
    'takes keepAlive %p',
    (keepAlive) => expect(validate(ollama({ keepAlive })).problems).toEqual([]),
  );

  it('names each bad key and says what it wanted, never the value', () => {
    const { problems } = validate(
      ollama({
        options: { nmu_ctx: 8192, num_ctx: 'big', top_p: '0.9', use_mmap: 1, stop: 'END' },
        keepAlive: '10 minutes',
        colour: 'blue',
      }),
      ollama({ options: 'num_ctx=8192', keepAlive: -5 }),
    );
    expect(problems).toEqual([
      {
        source: 'defaults',
        path: 'connectors[0].ollama.colour',
        message: 'unknown key (check the spelling)',
      },
      {
        source: 'defaults',
        path: 'connectors[0].ollama.keepAlive',
        message: expect.stringMatching(/^expected a duration such as "5m".*; found a string$/),
      },
      {
        source: 'defaults',
        path: 'connectors[0].ollama.options.nmu_ctx',
        message: 'unknown key (check the spelling)',
      },
      {
        source: 'defaults',
        path: 'connectors[0].ollama.options.num_ctx',
        message: 'expected an integer; found a string',
      },
      {
        source: 'defaults',
        path: 'connectors[0].ollama.options.stop',
        message: expect.stringMatching(/^expected a list.*; found a string$/),
      },
      {
        source: 'defaults',
        path: 'connectors[0].ollama.options.top_p',
        message: expect.stringMatching(/^expected a number.*; found a string$/),
      },
      {
        source: 'defaults',
        path: 'connectors[0].ollama.options.use_mmap',
        message: 'expected true or false; found an integer',
      },
      {
        source: 'defaults',
        path: 'connectors[1].ollama.keepAlive',
        message: expect.stringMatching(/^expected a duration.*; found an integer$/),
      },
      {
        source: 'defaults',
        path: 'connectors[1].ollama.options',
        message: 'expected a mapping; found a string',
      },
    ]);
  });

  it('is refused on a connector of another provider', () => {
    const { problems } = validate({
      name: 'oa',
      provider: 'openai',
      baseUrl: 'http://127.0.0.1:1/v1',
      ollama: { options: { num_ctx: 8192 } },
    });
    expect(problems).toEqual([
      {
        source: 'defaults',
        path: 'connectors[0].ollama',
        message: 'expected no ollama settings unless the provider is ollama; found a mapping',
      },
    ]);
  });
});
