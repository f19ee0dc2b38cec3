import { describe, expect, it } from '@jest/globals';
import { RouterError, RouterErrorCode } from './router.error.js';
import { formatUrn, parseUrn } from './urn.js';

function failure(model: string): RouterError {
  try {
    parseUrn(model, 'mvp');
  } catch (error) {
    if (error instanceof RouterError) return error;
    throw error;
  }
  throw new Error(`${model} parsed without error`);
}

describe('parseUrn', () => {
  it('reads the OL id and params', () => {
    expect(parseUrn('urn:mvp:agent:workspace=/srv/docs:toolset=kb', 'mvp')).toEqual({
      logicId: 'agent',
      params: { workspace: '/srv/docs', toolset: 'kb' },
    });
  });

  it('does not care about the order of params', () => {
    const a = parseUrn('urn:mvp:agent:a=1:b=2:c=3', 'mvp');
    const b = parseUrn('urn:mvp:agent:c=3:a=1:b=2', 'mvp');
    expect(a).toEqual(b);
  });

  it('accepts an OL without params and an empty value', () => {
    expect(parseUrn('urn:mvp:echo', 'mvp')).toEqual({ logicId: 'echo', params: {} });
    expect(parseUrn('urn:mvp:echo:prefix=', 'mvp').params).toEqual({ prefix: '' });
  });

  it('percent-decodes values, so they may hold colons, spaces and equals signs', () => {
    expect(parseUrn('urn:mvp:echo:prefix=You%20said%3A%20:x=a=b', 'mvp').params).toEqual({
      prefix: 'You said: ',
      x: 'a=b',
    });
  });

  it('rejects duplicate keys naming the segment', () => {
    const error = failure('urn:mvp:echo:chunk=1:chunk=2');
    expect(error.code).toBe(RouterErrorCode.MALFORMED_URN);
    expect(error.message).toContain("segment 5 'chunk=2'");
    expect(error.param).toBe('model');
  });

  it('rejects empty segments and segments without a value', () => {
    expect(failure('urn:mvp:echo::chunk=1').message).toContain('segment 4 is empty');
    expect(failure('urn:mvp:echo:chunk=1:').message).toContain('segment 5 is empty');
    expect(failure('urn:mvp:echo:chunk').message).toContain("segment 4 'chunk' must be key=value");
    expect(failure('urn:mvp:echo:=3').message).toContain('must be key=value');
    expect(failure('urn:mvp:').code).toBe(RouterErrorCode.MALFORMED_URN);
    expect(failure('urn:mvp:bad id').code).toBe(RouterErrorCode.MALFORMED_URN);
  });

  it('rejects malformed percent-encoding and keys that are not identifiers', () => {
    expect(failure('urn:mvp:echo:prefix=%E0%A4%A').message).toContain('percent-encoding');
    expect(failure('urn:mvp:echo:__proto__=1').message).toContain('invalid key');
  });

  it('treats other namespaces and plain model names as unknown models', () => {
    expect(failure('urn:other:echo').code).toBe(RouterErrorCode.UNKNOWN_MODEL);
    expect(failure('gpt-4o').code).toBe(RouterErrorCode.UNKNOWN_MODEL);
    expect(failure('urn').code).toBe(RouterErrorCode.UNKNOWN_MODEL);
  });

  it('refuses overlong URNs', () => {
    expect(failure(`urn:mvp:echo:prefix=${'a'.repeat(3000)}`).message).toContain('longer than');
  });
});

describe('formatUrn', () => {
  it('round-trips through parseUrn, encoding only what would clash', () => {
    const params = { workspace: '/srv/my docs', prefix: 'a:b%c' };
    const urn = formatUrn('mvp', 'agent', params);
    expect(urn).toBe('urn:mvp:agent:workspace=/srv/my%20docs:prefix=a%3Ab%25c');
    expect(parseUrn(urn, 'mvp')).toEqual({ logicId: 'agent', params });
  });
});
