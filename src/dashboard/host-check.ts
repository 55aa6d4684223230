// Which Host names the dashboard answers to: the defence against DNS rebinding. A page on
// evil.example can re-point its own name at 127.0.0.1 (or at the dashboard's LAN address) and then
// talk to the dashboard from the victim's browser as a "same-origin" page — but the browser still
// sends `Host: evil.example`. Refusing names the dashboard was not told about closes that door.
// Pure logic, no I/O: the middleware in app.ts applies it.
import { isIP } from '../ip-address.js';

/** A host name or address as compared here: lower case, no trailing dot, IPv6 without brackets. */
export interface HostName {
  readonly host: string;
  /** null: any port (an allowed entry) or none given (a Host header). */
  readonly port: number | null;
}

/** Answered whatever else is configured: a browser sends these only when the user typed them. */
export const LOOPBACK_HOSTS: readonly string[] = ['localhost', '127.0.0.1', '::1'];

/** `any`: no check (credentials set and DASHBOARD_ALLOWED_HOSTS empty). Loopback names are always allowed. */
export type HostPolicy = { readonly any: true } | { readonly any: false; readonly allowed: readonly HostName[] };

// RFC 9110 Host: uri-host [ ":" port ]. Only the forms a browser sends: a bracketed IPv6 literal or
// a DNS name / IPv4 address. Anything else (userinfo, paths, spaces, percent-encoding) is refused.
const HOST_SYNTAX = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9._-]+))(?::(\d{0,5}))?$/;

function canonicalIpv6(address: string): string {
  // The URL parser compresses and lower-cases: [0:0:0:0:0:0:0:1] and [::1] are the same host.
  return new URL(`http://[${address}]/`).hostname.slice(1, -1);
}

/**
 * `[::1]:3000`, `LocalHost.`, `psq.example.net:8443` → the host and port they name; null when the
 * text is not a host a browser would send (empty, userinfo, bad brackets, port above 65535).
 */
export function parseHost(text: string): HostName | null {
  const m = HOST_SYNTAX.exec(text.trim());
  if (!m) return null;
  const [, v6, name, portText] = m;
  let host: string;
  if (v6 !== undefined) {
    if (isIP(v6) !== 6) return null;
    host = canonicalIpv6(v6);
  } else {
    // One trailing dot is the absolute form of the same DNS name (`localhost.` is `localhost`).
    host = name!.toLowerCase().replace(/\.$/, '');
    if (host === '' || host.startsWith('.') || host.endsWith('.') || host.includes('..')) return null;
  }
  let port: number | null = null;
  if (portText !== undefined && portText !== '') {
    port = Number(portText);
    if (port > 65_535) return null;
  }
  return { host, port };
}

/** One DASHBOARD_ALLOWED_HOSTS entry: a Host-header form, or a bare IPv6 address (no port then). */
export function parseAllowedHost(entry: string): HostName | null {
  const text = entry.trim();
  if (isIP(text) === 6) return { host: canonicalIpv6(text), port: null };
  return parseHost(text);
}

/** Splits DASHBOARD_ALLOWED_HOSTS (commas, spaces); the entries that do not parse are returned as `bad`. */
export function parseAllowedHosts(raw: string): { hosts: HostName[]; bad: string[] } {
  const hosts: HostName[] = [];
  const bad: string[] = [];
  for (const entry of raw.split(/[\s,]+/).filter((e) => e.length > 0)) {
    const parsed = parseAllowedHost(entry);
    if (parsed === null) bad.push(entry);
    else hosts.push(parsed);
  }
  return { hosts, bad };
}

/** The address the dashboard binds to is one of its names too, unless it is a wildcard. */
function bindName(bindHost: string): HostName | null {
  if (bindHost === '0.0.0.0' || bindHost === '::') return null;
  return parseAllowedHost(bindHost);
}

/**
 * With credentials and no DASHBOARD_ALLOWED_HOSTS: any name (the password is the protection, and
 * existing deployments keep working). Otherwise: loopback names, the bind address, and the list.
 * Without credentials the list is the only way to reach the dashboard under another name (a reverse
 * proxy on this machine, DASHBOARD_PUBLIC=true).
 */
export function hostPolicy(opts: { readonly credentials: boolean; readonly allowedHosts: readonly HostName[]; readonly bindHost: string }): HostPolicy {
  if (opts.credentials && opts.allowedHosts.length === 0) return { any: true };
  const bind = bindName(opts.bindHost);
  return { any: false, allowed: [...opts.allowedHosts, ...(bind !== null ? [bind] : [])] };
}

/** Ports a browser leaves out of Host: an entry with one of them matches a Host without a port. */
const DEFAULT_PORTS = new Set([80, 443]);

function portMatches(allowed: number | null, given: number | null): boolean {
  if (allowed === null) return true;
  return given === null ? DEFAULT_PORTS.has(allowed) : given === allowed;
}

/** Whether a request with this Host header (undefined: none sent) may be answered. */
export function hostAllowed(header: string | undefined, policy: HostPolicy): boolean {
  if (policy.any) return true;
  if (header === undefined) return false;
  const given = parseHost(header);
  if (given === null) return false;
  // Loopback names on any port: behind a published container port the port differs from ours.
  if (LOOPBACK_HOSTS.includes(given.host)) return true;
  return policy.allowed.some((a) => a.host === given.host && portMatches(a.port, given.port));
}

/** An entry as an operator writes it (for logs and messages). */
export function formatHost(h: HostName): string {
  const host = h.host.includes(':') ? `[${h.host}]` : h.host;
  return h.port === null ? host : `${host}:${h.port}`;
}
