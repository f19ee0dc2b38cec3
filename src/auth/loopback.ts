import { BlockList, isIP } from 'node:net';

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/**
 * Whether binding `host` exposes the service only to this machine: an address in 127.0.0.0/8
 * or ::1, in any spelling (`0::1`, `::ffff:127.0.0.1`), or `localhost`. Any other name counts
 * as public, whatever it resolves to now: a name can be made to resolve elsewhere later.
 */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost') return true;
  const family = isIP(bare);
  return family !== 0 && LOOPBACK.check(bare, family === 4 ? 'ipv4' : 'ipv6');
}
