import { describe, expect, it } from '@jest/globals';
import { isLoopbackHost } from './loopback.js';

describe('isLoopbackHost', () => {
  it.each([
    '127.0.0.1',
    '127.3.2.1',
    'localhost',
    'LOCALHOST',
    '::1',
    '[::1]',
    '0:0:0:0:0:0:0:1',
    '0::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
  ])('%s is loopback', (host) => {
    expect(isLoopbackHost(host)).toBe(true);
  });

  it.each([
    '0.0.0.0',
    '::',
    '[::]',
    '::ffff:0.0.0.0',
    '10.0.0.1',
    '128.0.0.1',
    '::ffff:10.0.0.1',
    // Names other than localhost are public, even one that spells a loopback address.
    '127.0.0.1.nip.io',
    'ip6-localhost',
    'localhost.',
    'my-host',
  ])('%s is not', (host) => {
    expect(isLoopbackHost(host)).toBe(false);
  });
});
