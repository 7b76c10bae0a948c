import { BlockList, isIP } from 'node:net';
import { ConfigurationError } from '../shared/errors.js';

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');
const MAPPED_IPV4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i;

/**
 * True for an address of the loopback network: 127.0.0.0/8, `::1`, and IPv4 loopback mapped into
 * IPv6 (`::ffff:127.x.y.z`, as a dual-stack socket reports it).
 *
 * @example
 * ```ts
 * isLoopbackAddress(request.socket.remoteAddress); // '127.0.0.1' → true, '10.0.0.7' → false
 * ```
 */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  const unmapped = MAPPED_IPV4.exec(address)?.[1] ?? address;
  const family = isIP(unmapped);
  if (family === 0) return false;
  return LOOPBACK.check(unmapped, family === 4 ? 'ipv4' : 'ipv6');
}

/** Refuses an interface that other hosts could reach: the Agent API is for processes on this host only. */
export function assertLoopbackHost(host: string): void {
  if (host === 'localhost' || isLoopbackAddress(host)) return;
  throw new ConfigurationError(
    `The Agent API listens on loopback only (127.0.0.1, ::1 or localhost), as the Secrets Manager Agent does; got "${host}". ` +
      "Another container of the same task or pod reaches it on localhost; point the orchestrator's probe at the health endpoint.",
  );
}
