// The values the numeric and enumerated test flags accept, so `-t -5`, `-P 0`, `-P 999` or `--count -1`
// are refused when the configuration (or a job) is read, with the range, instead of being replaced by a
// default or reaching the tool. Pure. Ranges follow pScheduler's specs and the tools' own limits.
import { parseDuration } from './iso-duration.js';
import type { Category } from '../plan/categories.js';

interface ValueRule {
  readonly ok: (value: string) => boolean;
  readonly expected: string;
}

const INT = /^\d{1,9}$/;
const DECIMAL = /^\d{1,9}(?:\.\d{1,9})?$/;

function int(min: number, max: number, what: string): ValueRule {
  return { ok: (v) => INT.test(v) && Number(v) >= min && Number(v) <= max, expected: `${what}, a whole number from ${min} to ${max}` };
}

function decimal(minExclusive: number, max: number, what: string): ValueRule {
  return { ok: (v) => DECIMAL.test(v) && Number(v) > minExclusive && Number(v) <= max, expected: `${what}, a number above ${minExclusive} up to ${max}` };
}

/** ISO 8601 (PT30S) or bare seconds, within [min, max] seconds (min exclusive when `above`). */
function duration(min: number, max: number, what: string, above = false): ValueRule {
  return {
    ok: (v) => {
      const s = parseDuration(v);
      return s !== undefined && (above ? s > min : s >= min) && s <= max;
    },
    expected: `${what}: seconds or an ISO 8601 duration (PT30S), ${above ? `above ${min}` : `at least ${min}`} and at most ${max} s`,
  };
}

const IP_VERSION: ValueRule = { ok: (v) => v === '4' || v === '6', expected: 'IP version 4 or 6' };
const PORT = int(1, 65_535, 'a port');
const TOS = int(0, 255, 'a TOS byte');
const FLOW_LABEL = int(0, 1_048_575, 'an IPv6 flow label');
const DAY = 86_400;

/** Keyed by category, then by every name of the flag (short and long). */
const RULES: Readonly<Record<Category, Readonly<Record<string, ValueRule>>>> = {
  throughput: names({
    '-t --duration': duration(1, DAY, 'test duration'),
    '-O --omit': duration(0, 600, 'seconds to omit'),
    // iperf3 refuses report intervals other than 0 (off) or 0.1..60 s.
    '-i --interval': {
      ok: (v) => {
        const s = parseDuration(v);
        return s !== undefined && (s === 0 || (s >= 0.1 && s <= 60));
      },
      expected: 'report interval: 0 (none) or 0.1 to 60 seconds',
    },
    // iperf3's own limit on parallel streams.
    '-P --parallel': int(1, 128, 'parallel streams'),
    '--ip-version': IP_VERSION,
    '--ip-tos': TOS,
    '--flow-label': FLOW_LABEL,
    '--single-ended-port': PORT,
  }),
  rtt: names({
    '-c --count': int(1, 100_000, 'packets to send'),
    '-i --interval': duration(0, 3_600, 'interval between packets', true),
    '--timeout': duration(0, 3_600, 'per-packet timeout', true),
    '--deadline': duration(0, DAY, 'deadline', true),
    '--length': int(0, 65_507, 'payload bytes'),
    '--ttl': int(1, 255, 'TTL'),
    '--ip-version': IP_VERSION,
    '--ip-tos': TOS,
    '--flow-label': FLOW_LABEL,
    '--port': PORT,
  }),
  latency: names({
    '-c --packet-count': int(1, 1_000_000, 'packets to send'),
    '-i --packet-interval': decimal(0, 3_600, 'seconds between packets'),
    '-L --packet-timeout': int(0, 3_600, 'seconds to wait for a packet'),
    '-p --packet-padding': int(0, 65_000, 'padding bytes'),
    '-C --ctrl-port': PORT,
    '--ip-version': IP_VERSION,
    '-T --ip-tos': TOS,
    '-b --bucket-width': decimal(0, 1, 'histogram bucket width in seconds'),
  }),
  trace: names({
    '--first-ttl': int(1, 255, 'first TTL'),
    '--hops': int(1, 255, 'maximum hops'),
    '--queries': int(1, 10, 'probes per hop'),
    '--length': int(0, 65_000, 'packet length'),
    '--dest-port': PORT,
    '--wait': duration(0, 3_600, 'time to wait for a reply', true),
    '--sendwait': duration(0, 3_600, 'time between probes'),
    '--ip-version': IP_VERSION,
    '--ip-tos': TOS,
    '--flow-label': FLOW_LABEL,
  }),
  mtu: names({ '-i --ip-version': IP_VERSION, '--port': PORT }),
  // pScheduler's clock test wants a timeout of at least 4 s.
  clock: names({ '--timeout': duration(4, 3_600, 'timeout') }),
};

function names(table: Record<string, ValueRule>): Record<string, ValueRule> {
  return Object.fromEntries(Object.entries(table).flatMap(([key, rule]) => key.split(' ').map((n) => [n, rule])));
}

/** null when `value` is acceptable for `flag` (any of its names); otherwise what is expected. */
export function checkTestArgValue(category: Category, flag: string, value: string): string | null {
  const rule = RULES[category]?.[flag];
  if (rule === undefined || rule.ok(value)) return null;
  return `${flag} ${value}: expected ${rule.expected}`;
}
