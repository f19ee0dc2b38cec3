import { describe, expect, it } from '@jest/globals';
import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { SecretRef } from '../secrets/secret-ref.js';
import type { ConfigSources } from './config-layers.js';
import {
  defineConfigListSection,
  defineConfigMapSection,
  defineConfigSection,
  type ConfigSection,
  type ConfigValueSchema,
} from './config-section.js';
import { isSecretKey, validateTree } from './config-validator.js';

class ServerSection {
  @IsString()
  host: string = '127.0.0.1';

  @IsInt()
  @Min(0)
  @Max(65535)
  port: number = 3000;

  @IsIn(['json', 'pretty'])
  format: string = 'json';
}

class Limits {
  @IsInt()
  @Min(1)
  max_tokens: number = 100;
}

class Backend {
  @Matches(/^[a-z]+$/, { message: 'a lower-case name' })
  name!: string;

  @IsOptional()
  @ValidateNested()
  @Type(() => SecretRef)
  apiKey?: SecretRef;

  @ValidateNested()
  @Type(() => Limits)
  limits: Limits = new Limits();
}

class DemoLogic {
  @IsBoolean()
  enabled: boolean = true;
}

const server = defineConfigSection('server', ServerSection);
const backends = defineConfigListSection('backends', Backend);
const demo = defineConfigSection('ols.demo', DemoLogic);
/** Items that are not mappings: a non-empty list of lower-case words. */
const words: ConfigValueSchema<string[]> = {
  validate(value) {
    if (!Array.isArray(value) || !value.length)
      return { faults: [{ at: '', expected: 'a non-empty list of words', found: value }] };
    const faults = value.flatMap((word: unknown, i) =>
      typeof word === 'string' && /^[a-z]+$/.test(word)
        ? []
        : [{ at: `[${i}]`, expected: 'a lower-case word', found: word }],
    );
    return faults.length ? { faults } : { value: value as string[] };
  },
};
const groups = defineConfigMapSection('groups', words, {
  pattern: /^[a-z]+$/,
  expected: 'lower-case letters',
});
const pools = defineConfigMapSection('pools', Limits);
const sections = new Map<string, ConfigSection<object>>([
  [server.path, server],
  [backends.path, backends],
  [demo.path, demo],
  [groups.path, groups],
  [pools.path, pools],
]);

function validate(tree: Record<string, unknown>, sources: ConfigSources = new Map()) {
  return validateTree(tree, sections, sources);
}

describe('validateTree', () => {
  it('applies class defaults and returns section instances', () => {
    const { config, problems } = validate({ server: { port: 8080 }, backends: [{ name: 'a' }] });
    expect(problems).toEqual([]);
    expect(config.server).toBeInstanceOf(ServerSection);
    expect(config.server).toEqual({ host: '127.0.0.1', port: 8080, format: 'json' });
    expect((config.backends as Backend[])[0].limits.max_tokens).toBe(100);
    expect((config.ols as { demo: DemoLogic }).demo.enabled).toBe(true);
  });

  it('says what was expected and what kind of value was found, never the value', () => {
    const sources: ConfigSources = new Map([['server.port', 'app.yaml:3']]);
    const { problems } = validate({ server: { port: 'eighty', format: 'xml', host: 7 } }, sources);
    expect(problems).toEqual([
      {
        source: 'defaults',
        path: 'server.format',
        message: 'expected one of: json, pretty; found a string',
      },
      { source: 'defaults', path: 'server.host', message: 'expected a string; found an integer' },
      {
        source: 'app.yaml:3',
        path: 'server.port',
        message: 'expected an integer, at least 0, at most 65535; found a string',
      },
    ]);
    expect(JSON.stringify(problems)).not.toMatch(/eighty|xml/);
  });

  it('reports out-of-range numbers and wrong types in lists and nested mappings', () => {
    const { problems } = validate({
      server: { port: 70000 },
      backends: [
        { name: 'ok' },
        'just-a-string',
        { name: 'Bad', limits: { max_tokens: 0 } },
        { name: 'x', limits: 5 },
      ],
    });
    expect(problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'backends[1]: expected a mapping, found a string',
      'backends[2].limits.max_tokens: expected at least 1; found an integer',
      'backends[2].name: expected a lower-case name; found a string',
      'backends[3].limits: expected a mapping; found an integer',
      'server.port: expected at most 65535; found an integer',
    ]);
  });

  it('reports unknown keys at any depth, and unknown sections', () => {
    const { problems } = validate({
      server: { prot: 1 },
      backends: [{ name: 'a', limits: { max_token: 1 } }],
      severs: {},
      ols: { demo: { enabld: false }, other: {} },
    });
    expect(problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'backends[0].limits.max_token: unknown key (check the spelling)',
      'ols.demo.enabld: unknown key (check the spelling)',
      'ols.other: unknown section (check the spelling, or the module that owns it is not loaded)',
      'server.prot: unknown key (check the spelling)',
      'severs: unknown section (check the spelling, or the module that owns it is not loaded)',
    ]);
  });

  it('refuses a section of the wrong shape', () => {
    const { problems } = validate({ server: [1, 2], backends: { name: 'a' }, ols: 'demo' });
    expect(problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'backends: expected a list, found a mapping',
      'ols: expected a mapping of sections (ols.demo); found a string',
      'server: expected a mapping, found a list of 2',
    ]);
  });

  it('refuses a literal secret anywhere, once per key, and accepts a { secret } reference', () => {
    const sources: ConfigSources = new Map([['backends[0].apiKey', 'prod.yaml:7']]);
    const { problems } = validate(
      {
        backends: [
          { name: 'a', apiKey: 'sk-live-1234567890' },
          { name: 'b', apiKey: { secret: 'b_key' } },
        ],
        server: { password: 'hunter22' },
        ols: { demo: { token: 12345678 } },
      },
      sources,
    );
    expect(problems.map((p) => `${p.source} ${p.path}: ${p.message}`)).toEqual([
      'prod.yaml:7 backends[0].apiKey: looks like a literal secret: configuration never holds secrets; write { secret: <name> } and put the value in the secrets directory',
      'defaults ols.demo.token: looks like a literal secret: configuration never holds secrets; write { secret: <name> } and put the value in the secrets directory',
      'defaults server.password: looks like a literal secret: configuration never holds secrets; write { secret: <name> } and put the value in the secrets directory',
    ]);
    expect(JSON.stringify(problems)).not.toMatch(/sk-live|hunter|12345678/);
  });

  it('says so when a secret reference carries other keys', () => {
    const { problems } = validate({
      backends: [{ name: 'a', apiKey: { secret: 'a_key', optional: true } }],
    });
    expect(problems.map((p) => `${p.path}: ${p.message}`)).toContain(
      'backends[0].apiKey: expected a secret reference { secret: <name> } and nothing else; found also optional',
    );
  });

  it('refuses a secret reference whose name could leave the secrets directory', () => {
    const { problems } = validate({
      backends: [{ name: 'a', apiKey: { secret: '../../etc/shadow' } }],
    });
    expect(problems.map((p) => p.path)).toContain('backends[0].apiKey.secret');
    expect(problems.find((p) => p.path === 'backends[0].apiKey.secret')?.message).toMatch(
      /^expected a secret name/,
    );
  });
});

describe('validateTree: map sections', () => {
  it('reads free names to items, without a prototype, and an absent section as empty', () => {
    const { config, problems } = validate({
      groups: { fruit: ['apple', 'pear'], constructor: ['x'] },
      pools: { small: { max_tokens: 5 }, big: {} },
    });
    expect(problems).toEqual([]);
    const read = config.groups as Record<string, string[]>;
    expect(Object.getPrototypeOf(read)).toBeNull();
    expect({ ...read }).toEqual({ fruit: ['apple', 'pear'], constructor: ['x'] });
    const limits = config.pools as Record<string, Limits>;
    expect(limits.small).toBeInstanceOf(Limits);
    expect(limits.big.max_tokens).toBe(100);

    const empty = validate({}).config;
    expect({ ...(empty.groups as object) }).toEqual({});
    expect({ ...(empty.pools as object) }).toEqual({});
  });

  it('validates each item with its value schema, naming the item and the element at fault', () => {
    const sources: ConfigSources = new Map([
      ['groups.fruit', 'app.yaml:2'],
      ['groups.fruit[1]', 'app.yaml:4'],
    ]);
    const { problems } = validate(
      { groups: { fruit: ['apple', 7, 'Pear'], veg: 'carrot', none: [] } },
      sources,
    );
    expect(problems.map((p) => `${p.source} ${p.path}: ${p.message}`)).toEqual([
      'app.yaml:4 groups.fruit[1]: expected a lower-case word; found an integer',
      'app.yaml:2 groups.fruit[2]: expected a lower-case word; found a string',
      'defaults groups.none: expected a non-empty list of words; found a list of 0',
      'defaults groups.veg: expected a non-empty list of words; found a string',
    ]);
    expect(JSON.stringify(problems)).not.toMatch(/Pear|carrot/);
  });

  it('refuses names outside the key rule, and a section that is not a mapping', () => {
    expect(
      validate({ groups: { Fruit: ['apple'], 'two words': ['x'] } }).problems.map(
        (p) => `${p.path}: ${p.message}`,
      ),
    ).toEqual([
      'groups.Fruit: invalid name: expected lower-case letters',
      'groups.two words: invalid name: expected lower-case letters',
    ]);
    expect(validate({ groups: ['apple'] }).problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'groups: expected a mapping, found a list of 1',
    ]);
  });

  it('validates mapping items with their class: types, unknown keys and non-mappings', () => {
    const { problems } = validate({
      pools: { a: { max_token: 5 }, b: { max_tokens: 0 }, c: 3 },
    });
    expect(problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'pools.a.max_token: unknown key (check the spelling)',
      'pools.b.max_tokens: expected at least 1; found an integer',
      'pools.c: expected a mapping, found an integer',
    ]);
  });

  it('still refuses literal secrets inside map items', () => {
    const { problems } = validate({ pools: { a: { password: 'hunter22' } } });
    expect(problems.map((p) => p.path)).toEqual(['pools.a.password']);
    expect(problems[0].message).toMatch(/^looks like a literal secret/);
  });
});

describe('isSecretKey', () => {
  it.each([
    'apiKey',
    'api_key',
    'api-key',
    'APIKey',
    'apikey',
    'x-api-key',
    'token',
    'accessToken',
    'access_token',
    'password',
    'clientSecret',
    'client_secret',
    'secret',
    'privateKey',
    'private_key',
    'Authorization',
    'bearerToken',
    'credentials',
    'OPENAI_API_KEY',
    'apiKeys',
    'passphrase',
  ])('flags %s', (key) => {
    expect(isSecretKey(key)).toBe(true);
  });

  it.each([
    'max_tokens',
    'maxTokens',
    'truncate_tokens',
    'tokenizer',
    'max_completion_tokens',
    'tokensPerMinute',
    'tokenUrl',
    'passwordFile',
    'secretName',
    'keysSecretName',
    'secrets',
    'keyId',
    'key',
    'author',
    'apiBase',
    'tokenLimit',
    'secretary',
  ])('does not flag %s', (key) => {
    expect(isSecretKey(key)).toBe(false);
  });
});
