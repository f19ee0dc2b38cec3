import { describe, expect, it } from '@jest/globals';
import { guardedLookup, isInternalAddress } from './network-guard.js';

describe('network guard', () => {
  it.each([
    '127.0.0.1',
    '127.8.9.10',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '::1',
    '::',
    'fe80::1',
    'fc00::1',
    'fd12:3456::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:10.0.0.1',
    '::127.0.0.1',
    '64:ff9b::a00:1',
    '64:ff9b::127.0.0.1',
    '64:ff9b:1::1',
    '::ffff:0:7f00:1',
    '0:0:0:0:0:ffff:7f00:1',
    'fec0::1',
    'fe80::1%eth0',
    'not-an-ip',
  ])('treats %s as internal', (address) => {
    expect(isInternalAddress(address)).toBe(true);
  });

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '172.32.0.1',
    '93.184.216.34',
    '2606:4700:4700::1111',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
  ])('treats %s as public', (address) => {
    expect(isInternalAddress(address)).toBe(false);
  });

  it('refuses, at lookup time, a name that resolves to an internal address', async () => {
    const result = await new Promise<{ error: NodeJS.ErrnoException | null }>((resolve) =>
      guardedLookup('localhost', {}, (error) => resolve({ error })),
    );
    expect(result.error?.code).toBe('EINTERNAL');
    expect(result.error?.message).toBe('localhost resolves to an internal address');
  });
});
