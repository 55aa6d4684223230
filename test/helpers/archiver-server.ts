// A real HTTP(S) stand-in for pscheduler-result-archiver (same paths, auth, answers), scriptable to fail.
import { createServer, STATUS_CODES, type IncomingHttpHeaders, type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { CATEGORIES } from '../../src/plan/categories.js';
import { eventually } from './eventually.js';

/** How the next request is answered. 'normal' behaves like the real archiver. */
export type Mode =
  | 'normal'
  | 'reset' // read the request, then drop the connection without a byte of answer
  | 'stall' // read the request, never answer
  | 'slow-body' // answer as 'normal' would, but trickle the body one byte per chunk delay
  | { readonly slowBody: true; readonly chunkDelayMs: number }
  | { readonly status: number; readonly body?: unknown; readonly retryAfter?: string | number };

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly headers: IncomingHttpHeaders;
  readonly rawBody: string;
  /** Parsed JSON, or undefined when the body was not JSON. */
  readonly body: unknown;
  readonly mode: string;
  readonly receivedAt: number;
  /** Status answered; null for 'reset' and 'stall'. */
  status: number | null;
}

export interface StoredRecord {
  readonly body: Record<string, unknown>;
  /** Accepted POSTs that landed on this record (upsert). */
  writes: number;
}

export interface ArchiverServer {
  /** Base URL to put in ARCHIVE_URLS, e.g. http://127.0.0.1:41234/ps (https:// with the `tls` option). */
  readonly url: string;
  readonly requests: readonly RecordedRequest[];
  /** Accepted records keyed by run_id|category|ts (the real archiver's upsert key). */
  readonly records: ReadonlyMap<string, StoredRecord>;
  acceptedPosts(): number;
  /** Requests received (also in lean mode, where `requests` stays empty). */
  requestCount(): number;
  /** Most requests read but not yet answered at one time: how many a client had in flight. */
  peakInFlight(): number;
  distinctRecords(): number;
  failNext(n: number, mode: Mode): void;
  enqueue(...modes: Mode[]): void;
  setDefaultMode(mode: Mode): void;
  /** null turns the bearer check off. */
  setToken(token: string | null): void;
  waitForRequests(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export interface ArchiverServerOptions {
  /** Listen on this loopback port (e.g. to come up where an archiver was refusing connections); default any free one. */
  readonly port?: number;
  readonly token?: string | null;
  /** Default '/ps', as deployed archivers usually are. */
  readonly basePath?: string;
  /** Delay between body bytes in 'slow-body' mode; default 1000 ms. */
  readonly slowBodyChunkMs?: number;
  /** Serve HTTPS (node:https) with this PEM key and certificate instead of plain HTTP. */
  readonly tls?: { readonly key: string; readonly cert: string };
  /**
   * Keep no request or record in memory, only counts (acceptedPosts, requestCount): for benchmarks
   * that send tens of thousands of deliveries. `requests` and `records` stay empty.
   */
  readonly lean?: boolean;
  /** Answer each request in 'normal' mode this many ms after it has been read, as an archiver across a WAN would; default 0. */
  readonly latencyMs?: number;
}

interface Answer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

const BODY_KEYS = ['src', 'dst', 'direction', 'ts', 'run_id', 'raw'];
const NODE_KEYS = ['ip', 'name'];
// Loose RFC 3339 shape; Python's fromisoformat (which the real archiver's database path uses) is similar.
const RFC3339 = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/** The problem+json shape connexion (the real archiver's framework) uses for 400/401/404. */
function problem(status: number, detail: string): Answer {
  return { status, body: { detail, status, title: STATUS_CODES[status] ?? 'Error', type: 'about:blank' } };
}

function pyRepr(v: unknown): string {
  return typeof v === 'string' ? `'${v}'` : JSON.stringify(v);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** jsonschema-style messages for the MeasurementRequest model (additionalProperties: false). */
function validateBody(b: unknown): string | null {
  if (!isObject(b)) return `${pyRepr(b)} is not of type 'object'`;
  const extra = Object.keys(b).filter((k) => !BODY_KEYS.includes(k));
  if (extra.length > 0) return `Additional properties are not allowed (${extra.map(pyRepr).join(', ')} ${extra.length === 1 ? 'was' : 'were'} unexpected)`;
  // The real archiver requires only src, dst and raw; this stand-in insists on all six, because
  // a missing ts or run_id makes the real one invent them, and re-deliveries then add rows.
  const missing = BODY_KEYS.find((k) => !(k in b));
  if (missing !== undefined) return `${pyRepr(missing)} is a required property`;
  for (const side of ['src', 'dst']) {
    const n = b[side];
    if (!isObject(n)) return `${pyRepr(n)} is not of type 'object' (${side})`;
    const bad = Object.keys(n).filter((k) => !NODE_KEYS.includes(k));
    if (bad.length > 0) return `Additional properties are not allowed (${bad.map(pyRepr).join(', ')} was unexpected) (${side})`;
    for (const k of NODE_KEYS) if (typeof n[k] !== 'string') return `${pyRepr(n[k])} is not of type 'string' (${side}.${k})`;
  }
  if (b.direction !== 'forward' && b.direction !== 'reverse') return `${pyRepr(b.direction)} is not one of ['forward', 'reverse']`;
  for (const k of ['ts', 'run_id']) if (typeof b[k] !== 'string') return `${pyRepr(b[k])} is not of type 'string' (${k})`;
  if (!isObject(b.raw)) return `${pyRepr(b.raw)} is not of type 'object' (raw)`;
  return null;
}

export async function startArchiverServer(options: ArchiverServerOptions = {}): Promise<ArchiverServer> {
  const base = (options.basePath ?? '/ps').replace(/\/+$/, '');
  const measurementPath = new RegExp(`^${base.replace(/[.*+?^$()|[\]\\{}]/g, '\\$&')}/measurements/([^/]+)$`);
  const slowChunkMs = options.slowBodyChunkMs ?? 1000;
  let token: string | null = options.token === undefined ? 'test-token' : options.token;
  let defaultMode: Mode = 'normal';
  const script: Mode[] = [];
  const requests: RecordedRequest[] = [];
  const records = new Map<string, StoredRecord>();
  const timers = new Set<NodeJS.Timeout>();
  const lean = options.lean ?? false;
  const latencyMs = options.latencyMs ?? 0;
  let accepted = 0;
  let received = 0;
  let inFlight = 0;
  let peakInFlight = 0;

  function authFails(req: IncomingMessage): Answer | null {
    if (token === null) return null;
    const h = req.headers.authorization;
    if (h === undefined || !/^Bearer /i.test(h)) return problem(401, 'No authorization token provided');
    return h.slice(7) === token ? null : problem(401, 'Provided token is not valid');
  }

  function api(req: IncomingMessage, raw: string): Answer {
    const u = new URL(req.url ?? '/', 'http://stub');
    if (u.pathname === `${base}/health`) {
      if (req.method !== 'GET') return problem(405, 'Method Not Allowed');
      return authFails(req) ?? { status: 200, body: { status: 'ok', db: 'ok', version: 'test' } };
    }
    const m = measurementPath.exec(u.pathname);
    const category = m?.[1];
    if (category === undefined || !(CATEGORIES as readonly string[]).includes(category)) {
      return problem(404, 'The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.');
    }
    if (req.method !== 'POST') return problem(405, 'Method Not Allowed');
    const denied = authFails(req);
    if (denied) return denied;
    if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) return problem(415, 'Invalid Content-type, expected "application/json"');
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      return problem(400, 'Request body is not valid JSON');
    }
    const bad = validateBody(body);
    if (bad !== null) return problem(400, bad);
    const b = body as Record<string, unknown>;
    const ts = String(b.ts);
    // The real archiver only fails when its database chokes on ts: a 500, not a 400.
    if (!RFC3339.test(ts) || Number.isNaN(Date.parse(ts))) {
      return { status: 500, body: { errors: [{ message: 'Internal Server Error', details: 'Internal server error' }], type: 'error', size: 1, status: 500 } };
    }
    const key = `${String(b.run_id)}|${category}|${new Date(ts).toISOString()}`;
    const existing = records.get(key);
    if (existing && u.searchParams.get('upsert') === 'false') return problem(409, 'Conflict');
    if (existing) existing.writes += 1;
    else if (!lean) records.set(key, { body: b, writes: 1 });
    accepted += 1;
    return { status: 200, body: { data: [{ message: 'No Content', details: { run_id: b.run_id } }], type: 'no_content', size: 1, status: 200 } };
  }

  function send(res: ServerResponse, a: Answer, chunkDelayMs: number | null): void {
    const text = typeof a.body === 'string' ? a.body : JSON.stringify(a.body ?? {});
    const type = a.status >= 400 && isObject(a.body) && 'detail' in a.body ? 'application/problem+json' : 'application/json';
    res.writeHead(a.status, { 'content-type': type, 'content-length': Buffer.byteLength(text), ...a.headers });
    if (chunkDelayMs === null) return void res.end(text);
    const bytes = Buffer.from(text);
    let i = 0;
    const tick = (): void => {
      if (res.destroyed) return;
      res.write(bytes.subarray(i, i + 1));
      i += 1;
      if (i >= bytes.length) return void res.end();
      const t = setTimeout(() => (timers.delete(t), tick()), chunkDelayMs);
      timers.add(t);
    };
    tick();
  }

  const handler: RequestListener = (req, res) => {
    const receivedAt = Date.now();
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const mode = script.shift() ?? defaultMode;
      let parsed: unknown;
      try {
        // Lean mode keeps nothing, so it skips this parse (api() parses the body to validate it).
        parsed = lean ? undefined : JSON.parse(raw);
      } catch {
        parsed = undefined;
      }
      const u = new URL(req.url ?? '/', 'http://stub');
      const rec: RecordedRequest = {
        method: req.method ?? '',
        path: u.pathname,
        query: u.search,
        headers: req.headers,
        rawBody: raw,
        body: parsed,
        mode: typeof mode === 'string' ? mode : 'status' in mode ? `status ${mode.status}` : 'slow-body',
        receivedAt,
        status: null,
      };
      received += 1;
      inFlight += 1;
      peakInFlight = Math.max(peakInFlight, inFlight);
      res.once('close', () => void (inFlight -= 1));
      if (!lean) requests.push(rec);
      if (mode === 'stall') return;
      if (mode === 'reset') return void req.socket.destroy();
      if (typeof mode === 'object' && 'status' in mode) {
        const headers = mode.retryAfter === undefined ? undefined : { 'retry-after': String(mode.retryAfter) };
        const fallback = mode.status < 400 ? { type: 'no_content' } : problem(mode.status, `scripted ${mode.status}`).body;
        rec.status = mode.status;
        return send(res, { status: mode.status, body: mode.body ?? fallback, ...(headers ? { headers } : {}) }, null);
      }
      const answer = api(req, raw);
      rec.status = answer.status;
      const delay = mode === 'slow-body' ? slowChunkMs : typeof mode === 'object' ? mode.chunkDelayMs : null;
      if (latencyMs <= 0) return send(res, answer, delay);
      const t = setTimeout(() => (timers.delete(t), send(res, answer, delay)), latencyMs);
      timers.add(t);
    });
  };
  const server = options.tls ? createHttpsServer({ key: options.tls.key, cert: options.tls.cert }, handler) : createServer(handler);

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | null = null;

  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}${base}`,
    requests,
    records,
    acceptedPosts: () => accepted,
    requestCount: () => received,
    peakInFlight: () => peakInFlight,
    distinctRecords: () => records.size,
    failNext: (n, mode) => {
      for (let i = 0; i < n; i++) script.push(mode);
    },
    enqueue: (...modes) => void script.push(...modes),
    setDefaultMode: (mode) => void (defaultMode = mode),
    setToken: (t) => void (token = t),
    async waitForRequests(count, timeoutMs = 10_000) {
      await eventually(() => received >= count, { timeoutMs, intervalMs: 10, what: () => `${count} requests at the archiver stub (${received} so far)` });
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        timers.clear();
        server.close(() => resolve());
        // Stalled and keep-alive sockets would otherwise hold close() open forever.
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
