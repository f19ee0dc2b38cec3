import { describe, expect, it } from '@jest/globals';
import { OlPattern } from './ol-pattern.js';

const target = (logicId: string, params: Record<string, string> = {}) => ({ logicId, params });

describe('OlPattern', () => {
  it('matches OL ids by glob', () => {
    expect(OlPattern.parse('echo').matches(target('echo'))).toBe(true);
    expect(OlPattern.parse('echo').matches(target('echo2'))).toBe(false);
    expect(OlPattern.parse('chat*').matches(target('chat-fast'))).toBe(true);
    expect(OlPattern.parse('*').matches(target('anything'))).toBe(true);
  });

  it('leaves params free unless named; a lone * says so', () => {
    expect(OlPattern.parse('chat:*').matches(target('chat', { model: 'x' }))).toBe(true);
    expect(OlPattern.parse('chat').matches(target('chat', { model: 'x' }))).toBe(true);
  });

  it('constrains named params by glob, and requires them', () => {
    const p = OlPattern.parse('chat:connector=openai:model=gpt-4o*');
    expect(p.matches(target('chat', { connector: 'openai', model: 'gpt-4o-mini' }))).toBe(true);
    expect(p.matches(target('chat', { connector: 'anthropic', model: 'gpt-4o' }))).toBe(false);
    expect(p.matches(target('chat', { connector: 'openai' }))).toBe(false);
  });

  it('normalizes path values, so .. cannot climb out of an allowed tree', () => {
    const p = OlPattern.parse('agent:workspace=/srv/alice/**');
    expect(p.matches(target('agent', { workspace: '/srv/alice/docs/a' }))).toBe(true);
    expect(p.matches(target('agent', { workspace: '/srv/alice/../bob' }))).toBe(false);
    expect(p.matches(target('agent', { workspace: '/srv/alicex' }))).toBe(false);
  });

  it('accepts the full URN form', () => {
    expect(
      OlPattern.parse('urn:mvp:reverse:by=words').matches(target('reverse', { by: 'words' })),
    ).toBe(true);
  });

  it('rejects malformed patterns with a message', () => {
    expect(() => OlPattern.parse('')).toThrow(/no OL id/);
    expect(() => OlPattern.parse('chat:model')).toThrow(/<param>=<glob>/);
    expect(() => OlPattern.parse('chat:model=')).toThrow(/<param>=<glob>/);
  });
});
