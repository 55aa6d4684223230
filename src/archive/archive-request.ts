// Turns an archive job into the exact HTTP request the archiver expects; pure.
import { isCategory } from '../plan/categories.js';
import { maskUserinfo } from '../config/archive-urls.js';
import type { ArchiveBody, ArchiveJobData } from '../jobs/archive-job.js';
import { pickArchiveBody } from './archive-job-schema.js';

export interface ArchiveRequest {
  readonly url: string;
  /** `url` split as a dispatcher takes it: scheme://host:port, and path with query. */
  readonly origin: string;
  readonly path: string;
  /** Holds the bearer token: never log this object or put it in job data. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** Job data that cannot become a request; retrying cannot fix it. */
export class InvalidArchiveJobError extends Error {
  override readonly name = 'InvalidArchiveJobError';
}

/** The URL without user:password, for logs and error messages. */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return '(invalid URL)';
  }
}

/** A stable key for one record: the same on every retry, re-delivery and replay. */
export function idempotencyKey(data: Pick<ArchiveJobData, 'category' | 'body'>): string {
  return `${data.body.run_id}:${data.category}:${data.body.ts}`;
}

/**
 * The request for `data`, sent to `archiverUrl`: the archiver the worker's configuration binds to
 * the job's queue. The job's own `url` is never used here (see archiver-binding.ts).
 */
export function buildArchiveRequest(
  archiverUrl: string,
  data: ArchiveJobData,
  token: string | null,
  requestId: string,
  /** The body already serialized by checkArchiveJob, so a large result is not serialized twice. */
  bodyText?: string,
): ArchiveRequest {
  // Job data can be edited in the dashboard or written straight into Redis; the worker checks it
  // whole first (archive-job-schema.ts), these checks keep this function safe on its own.
  if (!isCategory(String(data.category))) {
    throw new InvalidArchiveJobError(`unknown category ${JSON.stringify(data.category)}`);
  }
  const endpoint = endpointFor(archiverUrl, data.category);
  // Without ts the real archiver stamps its own clock, so a re-delivery would add a second record.
  const body = data.body as Partial<ArchiveBody> | undefined;
  const ts = body?.ts;
  const runId = body?.run_id;
  if (typeof ts !== 'string' || Number.isNaN(Date.parse(ts))) {
    throw new InvalidArchiveJobError(`body.ts ${JSON.stringify(ts)} is not an RFC 3339 time`);
  }
  if (typeof runId !== 'string' || !/^[\x21-\x7e]+$/.test(runId)) {
    throw new InvalidArchiveJobError(`body.run_id ${JSON.stringify(runId)} is not a non-empty string of visible ASCII`);
  }

  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json',
    'idempotency-key': idempotencyKey(data),
    'x-request-id': requestId,
  };
  if (token !== null && token !== '') headers.authorization = `Bearer ${token}`;

  return { ...endpoint, headers, body: bodyText ?? JSON.stringify(pickArchiveBody(data.body)) };
}

/**
 * Endpoints already built, by archiver URL and category: a worker sends thousands of requests to
 * the same few, and building one parses a URL. Bounded by archivers × categories; the cap only
 * guards against a caller that passes endless distinct URLs.
 */
const endpoints = new Map<string, Endpoint>();

interface Endpoint {
  readonly url: string;
  readonly origin: string;
  readonly path: string;
}
const MAX_CACHED_ENDPOINTS = 1024;

/** `archiverUrl`/measurements/`category`?upsert=true, or InvalidArchiveJobError. */
function endpointFor(archiverUrl: string, category: string): Endpoint {
  const key = `${category} ${archiverUrl}`;
  const cached = endpoints.get(key);
  if (cached !== undefined) return cached;
  let url: URL;
  try {
    url = new URL(archiverUrl);
  } catch {
    throw new InvalidArchiveJobError(`archiver URL ${JSON.stringify(maskUserinfo(archiverUrl))} is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidArchiveJobError(`archiver URL ${displayUrl(archiverUrl)} is not http(s)`);
  }
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/measurements/${category}`;
  // upsert=true is the archiver's default too, but saying so keeps re-delivery safe if that ever changes.
  url.searchParams.set('upsert', 'true');
  const endpoint = { url: url.toString(), origin: url.origin, path: `${url.pathname}${url.search}` };
  if (endpoints.size >= MAX_CACHED_ENDPOINTS) endpoints.clear();
  endpoints.set(key, endpoint);
  return endpoint;
}
