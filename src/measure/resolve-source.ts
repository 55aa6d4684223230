// `%src` on the testpoint: an IP stays as it is; an interface name becomes its first usable address.
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';

export type SourceResolution = { ok: true; address: string } | { ok: false; reason: string };

export function resolveSource(
  hint: string,
  interfaces: ReturnType<typeof networkInterfaces> = networkInterfaces(),
): SourceResolution {
  if (isIP(hint)) return { ok: true, address: hint };
  const addrs = interfaces[hint];
  if (!addrs) return { ok: false, reason: `interface ${hint} not found on this host` };
  // Prefer IPv4, as the cron runner did; never link-local (it needs a zone to be usable).
  for (const family of ['IPv4', 'IPv6'] as const) {
    const found = addrs.find((a) => a.family === family && !a.address.toLowerCase().startsWith('fe80'));
    if (found) return { ok: true, address: found.address };
  }
  return { ok: false, reason: `interface ${hint} has no usable IPv4/IPv6 address` };
}
