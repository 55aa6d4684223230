// ICMP error annotations of ping/traceroute/tracepath → pScheduler's `icmp-error` enum (jsonval.py).

export type IcmpError =
  | 'net-unreachable'
  | 'host-unreachable'
  | 'protocol-unreachable'
  | 'port-unreachable'
  | 'fragmentation-needed-and-df-set'
  | 'source-route-failed'
  | 'destination-network-unknown'
  | 'destination-host-unknown'
  | 'source-host-isolated'
  | 'destination-network-administratively-prohibited'
  | 'destination-host-administratively-prohibited'
  | 'network-unreachable-for-type-of-service'
  | 'icmp-destination-host-unreachable-tos'
  | 'communication-administratively-prohibited'
  | 'host-precedence-violation'
  | 'precedence-cutoff-in-effect';

/** traceroute/tracepath `!X` letters and `!<code>` numbers, as pScheduler's icmperror.translate reads them. */
const BANG_CODES: Readonly<Record<string, IcmpError>> = {
  H: 'host-unreachable',
  N: 'net-unreachable',
  P: 'protocol-unreachable',
  S: 'source-route-failed',
  F: 'fragmentation-needed-and-df-set',
  X: 'communication-administratively-prohibited',
  V: 'host-precedence-violation',
  C: 'precedence-cutoff-in-effect',
  '0': 'net-unreachable',
  '1': 'host-unreachable',
  '2': 'protocol-unreachable',
  '3': 'port-unreachable',
  '4': 'fragmentation-needed-and-df-set',
  '5': 'source-route-failed',
  '6': 'destination-network-unknown',
  '7': 'destination-host-unknown',
  '8': 'source-host-isolated',
  '9': 'destination-network-administratively-prohibited',
  '10': 'destination-host-administratively-prohibited',
  '11': 'network-unreachable-for-type-of-service',
  '12': 'icmp-destination-host-unreachable-tos',
  '13': 'communication-administratively-prohibited',
  '14': 'host-precedence-violation',
  '15': 'precedence-cutoff-in-effect',
};

/** `!H`, `H`, `!13` → enum; unknown annotations (`!Z`, `!<something new>`) → undefined, not a crash. */
export function icmpErrorFromBang(annotation: string): IcmpError | undefined {
  const code = annotation.startsWith('!') ? annotation.slice(1) : annotation;
  // traceroute may glue extra detail to the letter (e.g. `!F-1400`); the letter or number decides.
  const key = /^(\d+|[A-Z])/.exec(code)?.[1];
  return key === undefined ? undefined : BANG_CODES[key];
}

/**
 * iputils ping's text after `From <ip> icmp_seq=N`. The IPv4 strings are the ones pScheduler's
 * parse_ping knows; the IPv6 ones (ping prints "Destination unreachable: …") it leaves unmapped,
 * we map them to the nearest IPv4 meaning so an IPv6 run is not poorer than an IPv4 one.
 */
const PING_TEXTS: ReadonlyArray<readonly [RegExp, IcmpError]> = [
  [/^Destination Net Unreachable$/, 'net-unreachable'],
  [/^Destination Host Unreachable$/, 'host-unreachable'],
  [/^Destination Protocol Unreachable$/, 'protocol-unreachable'],
  [/^Destination Port Unreachable$/, 'port-unreachable'],
  [/^Source Route Failed$/, 'source-route-failed'],
  [/^Packet filtered$/, 'communication-administratively-prohibited'],
  [/^Frag needed and DF set/, 'fragmentation-needed-and-df-set'],
  [/^Destination unreachable: No route$/, 'net-unreachable'],
  [/^Destination unreachable: Address unreachable$/, 'host-unreachable'],
  [/^Destination unreachable: Administratively prohibited$/, 'communication-administratively-prohibited'],
  [/^Destination unreachable: Port unreachable$/, 'port-unreachable'],
];

export function icmpErrorFromPingText(text: string): IcmpError | undefined {
  return PING_TEXTS.find(([re]) => re.test(text.trim()))?.[1];
}
