// The dashboard's variables: credentials, bind address, and the rule that an unauthenticated
// dashboard stays on loopback unless DASHBOARD_PUBLIC=true says otherwise.
import { isIP } from '../ip-address.js';
import { formatHost, parseAllowedHosts } from '../dashboard/host-check.js';
import type { Config } from './config.js';
import type { EnvReader } from './env-reader.js';

type DashboardConfig = Pick<
  Config,
  'dashboardPort' | 'dashboardHost' | 'dashboardUser' | 'dashboardPassword' | 'dashboardPublic' | 'dashboardReadOnly' | 'dashboardAllowedHosts'
>;

/** Loopback names and addresses: a dashboard bound there is reachable from this machine only. */
function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

export function readDashboard(r: EnvReader): DashboardConfig {
  const user = r.raw('DASHBOARD_USER')?.trim() ?? null;
  // RFC 7617: the user id ends at the first ':', so one inside it could never match.
  if (user !== null && !/^[^:\x00-\x1f\x7f]+$/.test(user)) {
    r.problem('DASHBOARD_USER', user, 'a user name without ":" or control characters');
  }
  const passwordRaw = r.raw('DASHBOARD_PASSWORD');
  const password = passwordRaw?.trim() ?? null;
  if (passwordRaw !== undefined && !/^[^\x00-\x1f\x7f]+$/.test(password ?? '')) {
    // The value is a secret: describe it, never echo it.
    r.problem('DASHBOARD_PASSWORD', `(secret, ${passwordRaw.length} chars)`, 'a password without control characters');
  }
  if (user !== null && password === null) r.problem('DASHBOARD_PASSWORD', undefined, 'a password too, since DASHBOARD_USER is set');
  if (user === null && password !== null) r.problem('DASHBOARD_USER', undefined, 'a user name too, since DASHBOARD_PASSWORD is set');
  const credentials = user !== null && password !== null;

  const dashboardPublic = r.bool('DASHBOARD_PUBLIC', false);
  const hostRaw = r.raw('DASHBOARD_HOST')?.trim();
  const host = hostRaw ?? (credentials ? '0.0.0.0' : '127.0.0.1');
  if (hostRaw !== undefined && isIP(hostRaw) === 0 && !/^[A-Za-z0-9][A-Za-z0-9.-]{0,252}$/.test(hostRaw)) {
    r.problem('DASHBOARD_HOST', hostRaw, 'an IP address or host name of this machine, e.g. 127.0.0.1 or 0.0.0.0');
  } else if (!credentials && !dashboardPublic && !isLoopback(host)) {
    r.problem('DASHBOARD_HOST', host,
      'a loopback address (127.0.0.1, ::1, localhost) while DASHBOARD_USER and DASHBOARD_PASSWORD are unset: ' +
        'set both to turn on basic auth, or set DASHBOARD_PUBLIC=true to serve the dashboard without authentication');
  }
  const allowedRaw = r.raw('DASHBOARD_ALLOWED_HOSTS');
  const allowed = parseAllowedHosts(allowedRaw ?? '');
  if (allowed.bad.length > 0) {
    r.problem('DASHBOARD_ALLOWED_HOSTS', allowed.bad.join(', '),
      'host names or addresses as a browser sends them in Host, comma separated, each with an optional :port ' +
        '(e.g. psq.example.net, psq.example.net:8443, 192.0.2.7, [2001:db8::7])');
  }
  // Duplicates (PSQ.example.net and psq.example.net.) collapse: the list is compared, never shown twice.
  const allowedHosts = [...new Map(allowed.hosts.map((h) => [formatHost(h), h])).values()];
  return {
    dashboardPort: r.int('DASHBOARD_PORT', 3000, 0, 65_535),
    dashboardHost: host,
    dashboardUser: user,
    dashboardPassword: password,
    dashboardPublic,
    dashboardReadOnly: r.bool('DASHBOARD_READ_ONLY', false),
    dashboardAllowedHosts: allowedHosts,
  };
}

