// Parses HOSTS entries (the cron runner's syntax) into destinations that are safe to pass to pscheduler as argv.
//
// Accepted: ip@name, name@ip, ip,name, name,ip, ip|name, plain host, [v6]@name, [v6], bare v6, each with an
// optional %src suffix. The text after the LAST `%` is always the source (an IP or an interface name), as in
// the cron runner; so an IPv6 zone id `fe80::1%eth0` becomes dest fe80::1 with source eth0, which binds the
// same interface the zone id named.
import { isIP } from '../ip-address.js';

import type { Destination } from './config.js';
import { longestResultFileName, MAX_FILE_NAME_BYTES } from './result-name-limit.js';

export type HostSpecResult = { ok: true; value: Destination } | { ok: false; expected: string };

export interface HostProblem {
  /** 0-based position of the entry in HOSTS. */
  readonly index: number;
  readonly entry: string;
  readonly expected: string;
}

const FORMS = 'ip@name, name@ip, ip,name, ip|name, host or [ipv6]@name, optionally ending in %source';
// Everything a valid entry can contain; anything else (; $ ( ` / quotes * & …) is refused before parsing.
const SPEC_CHARS = /^[A-Za-z0-9._:@,|%[\]-]+$/;
const NAME = /^[A-Za-z0-9._:-]{1,253}$/;
// Labels of letters, digits, `_` and `-`; underscores appear in real internal names, so they are allowed.
const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9_][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+)*\.?$/;
// Linux IFNAMSIZ is 16 including the NUL; `.` and `:` cover VLAN (eth0.100) and alias (eth0:1) names.
const INTERFACE = /^[A-Za-z0-9_.:-]{1,15}$/;
const SEPARATORS = /[@,|]/;

const fail = (expected: string): { ok: false; expected: string } => ({ ok: false, expected });

/** Parse one HOSTS entry. */
export function parseHostSpec(spec: string): HostSpecResult {
  if (spec.length === 0) return fail(`a destination (${FORMS}); the entry is empty`);
  if (/\s/.test(spec)) return fail('one destination without whitespace (HOSTS entries are separated by spaces)');
  if (!SPEC_CHARS.test(spec)) {
    const bad = [...new Set(spec.replace(/[A-Za-z0-9._:@,|%[\]-]/g, ''))].join(' ');
    return fail(`only letters, digits, . - _ : and the separators @ , | % [ ] (found ${bad})`);
  }
  if (spec.startsWith('-')) return fail('a destination that does not start with "-" (it would be read as an option)');

  let rest = spec;
  let source: string | null = null;
  const percent = spec.lastIndexOf('%');
  if (percent >= 0) {
    rest = spec.slice(0, percent);
    const parsed = parseSource(spec.slice(percent + 1));
    if (!parsed.ok) return parsed;
    source = parsed.value;
    if (rest.includes('%')) return fail('at most one %source suffix');
  }

  const sep = SEPARATORS.exec(rest);
  if (sep === null) {
    const host = unbracket(rest);
    if (!host.ok) return host;
    const dest = checkDest(host.value);
    return dest.ok ? { ok: true, value: { ip: dest.value, name: dest.value, source } } : dest;
  }

  const left = rest.slice(0, sep.index);
  const right = rest.slice(sep.index + 1);
  const s = sep[0];
  if (left === '' || right === '') return fail(`both sides of "${s}" filled in (ip${s}name or name${s}ip)`);
  if (SEPARATORS.test(right)) return fail('one separator (@ , or |) between ip and name, not several');
  const a = unbracket(left);
  if (!a.ok) return a;
  const b = unbracket(right);
  if (!b.ok) return b;

  const [ipSide, nameSide] = pickAddressSide(a.value, b.value, s);
  const dest = checkDest(ipSide);
  if (!dest.ok) return dest;
  if (nameSide.startsWith('-')) return fail('a name that does not start with "-"');
  if (!NAME.test(nameSide)) return fail('a name of letters, digits, . - _ and : (at most 253 characters)');
  return { ok: true, value: { ip: dest.value, name: nameSide, source } };
}

/** Split HOSTS on whitespace only (an entry may itself contain a comma) and parse every entry. */
export function parseHosts(raw: string): { hosts: Destination[]; problems: HostProblem[] } {
  const hosts: Destination[] = [];
  const problems: HostProblem[] = [];
  const seen = new Map<string, number>();
  raw
    .split(/\s+/)
    .filter((entry) => entry.length > 0)
    .forEach((entry, index) => {
      const result = parseHostSpec(entry);
      if (!result.ok) {
        problems.push({ index, entry, expected: result.expected });
        return;
      }
      // Same address and source twice would measure the same path twice under one job id.
      const key = `${result.value.ip.toLowerCase()}%${result.value.source ?? ''}`;
      const first = seen.get(key);
      if (first !== undefined) {
        problems.push({ index, entry, expected: `a destination not already listed (HOSTS[${first}] has the same address and source)` });
        return;
      }
      seen.set(key, index);
      const longest = longestResultFileName(result.value);
      if (longest > MAX_FILE_NAME_BYTES) {
        problems.push({
          index,
          entry,
          expected: `a shorter name or address: its result files would get names of ${longest} bytes, over the filesystem limit of ${MAX_FILE_NAME_BYTES} (shorten it by ${longest - MAX_FILE_NAME_BYTES} characters)`,
        });
        return;
      }
      hosts.push(result.value);
    });
  return { hosts, problems };
}

/**
 * Which side is the address: a real IP literal wins; otherwise the cron runner's heuristic (a side with
 * `.` or `:` looks like an address). When that is ambiguous, `@` keeps the left side and `,`/`|` take the
 * right one unless the left looks like an address, exactly as the cron runner decided.
 */
function pickAddressSide(a: string, b: string, sep: string): [string, string] {
  if (isIP(a) !== 0) return [a, b];
  if (isIP(b) !== 0) return [b, a];
  const looksA = looksLikeAddress(a);
  if (sep === '@') return looksA || !looksLikeAddress(b) ? [a, b] : [b, a];
  return looksA ? [a, b] : [b, a];
}

function looksLikeAddress(text: string): boolean {
  return text.length >= 3 && /[.:]/.test(text);
}

/** `[v6]` → `v6`; brackets anywhere else, or around something that is not IPv6, are refused. */
function unbracket(side: string): { ok: true; value: string } | { ok: false; expected: string } {
  if (!side.includes('[') && !side.includes(']')) return { ok: true, value: side };
  const inner = /^\[([^[\]]*)\]$/.exec(side)?.[1];
  if (inner === undefined || isIP(inner) !== 6) {
    return fail(`brackets only around a whole IPv6 address, as [2001:db8::10]@name (got ${side})`);
  }
  return { ok: true, value: inner };
}

function checkDest(dest: string): { ok: true; value: string } | { ok: false; expected: string } {
  if (dest.startsWith('-')) return fail('a destination that does not start with "-" (it would be read as an option)');
  if (isIP(dest) !== 0) return { ok: true, value: dest };
  if (dest.includes(':')) return fail(`an IPv6 address or a hostname (${dest} has ":" but is not a valid IPv6 address)`);
  if (/^[0-9.]+$/.test(dest)) return fail(`a valid IPv4 address (${dest} is not one)`);
  if (!HOSTNAME.test(dest)) return fail(`an IP address or a hostname of dot-separated labels (got ${dest})`);
  return { ok: true, value: dest };
}

function parseSource(src: string): { ok: true; value: string } | { ok: false; expected: string } {
  if (src === '') return fail('a source IP address or interface name after "%"');
  if (/[@,|[\]]/.test(src) && !/^\[[^[\]]*\]$/.test(src)) {
    return fail(`%source at the very end of the entry, as [fe80::1]@name%eth0 (got source ${src})`);
  }
  const value = src.startsWith('[') ? src.slice(1, -1) : src;
  if (src.startsWith('[') && isIP(value) !== 6) return fail(`brackets only around an IPv6 source (got ${src})`);
  if (value.startsWith('-')) return fail('a source that does not start with "-" (it would be read as an option)');
  if (isIP(value) !== 0) return { ok: true, value };
  if (/^[0-9.]+$/.test(value)) return fail(`a valid IPv4 source address (${value} is not one)`);
  if (!INTERFACE.test(value)) {
    return fail(`a source IP address or an interface name of at most 15 letters, digits, . _ : - (got ${value})`);
  }
  return { ok: true, value };
}
