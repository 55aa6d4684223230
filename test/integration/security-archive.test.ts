// Archive jobs as an attacker with Redis or dashboard access would write them, run by the real
// archive role on the real Redis: the token goes only to the configured archiver, odd data is
// refused by name after one attempt, oversized bodies are never sent, and an archiver that echoes
// the Authorization header does not get the token into logs, Redis or the summary.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Job, type Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { beforeEach, describe, expect, it } from 'vitest';
import type { ArchiveJobData } from '../../src/jobs/archive-job.js';
import { archiveJobOptions } from '../../src/jobs/archive-job.js';
import type { Config } from '../../src/config/config.js';
import { archiveQueueName } from '../../src/queues/queue-names.js';
import { QueueRegistry } from '../../src/queues/queue-registry.js';
import { startArchiveRole } from '../../src/roles/archive-role.js';
import { formatDeliveries } from '../../src/operations/round-summary.js';
import type { Role } from '../../src/roles/role.js';
import { waitForDeliveries } from '../../src/operations/wait-for-deliveries.js';
import { startArchiverServer, type ArchiverServer } from '../helpers/archiver-server.js';
import { testConfig } from '../helpers/config.js';
import { TEST_REDIS_URL, testRedisOptions } from '../helpers/redis.js';
import { onCleanup, testPrefix } from '../helpers/test-context.js';
import { eventually } from '../helpers/eventually.js';
import { capturedLogger } from '../helpers/captured-logger.js';

const TOKEN = 'tok-Zq9x-never-log-me-7f3a';
/** The token's start: what a clipped echo would leave of it. */
const TOKEN_HEAD = TOKEN.slice(0, 8);

let queues: QueueRegistry;
let lines: string[];

beforeEach(() => {
  lines = [];
});

/** A TCP listener that records every connection and byte sent to it, and never answers. */
async function startAttacker(): Promise<{ url: string; port: number; connections: () => number; received: () => string }> {
  let connections = 0;
  const chunks: Buffer[] = [];
  const server = createNetServer((socket) => {
    connections += 1;
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => undefined);
    // Answer like a willing archiver would, so a leak is not hidden behind a timeout.
    socket.once('data', () => socket.end('HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  onCleanup(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${port}`, port, connections: () => connections, received: () => Buffer.concat(chunks).toString('latin1') };
}

/** An archiver that answers `status` and echoes the request's Authorization header in its body. */
async function startEchoArchiver(status: number, padTo = 0): Promise<{ url: string; seen: IncomingHttpHeaders[]; bodies: string[] }> {
  const seen: IncomingHttpHeaders[] = [];
  const bodies: string[] = [];
  const server: Server = createServer((req, res) => {
    seen.push(req.headers);
    req.resume();
    req.on('end', () => {
      const auth = req.headers.authorization ?? '';
      // Padding puts the token across the 2 KB the worker keeps of an answer.
      const body = padTo > 0 ? `${'x'.repeat(padTo)}${auth.slice(7)} also: ${auth}` : JSON.stringify({ detail: `invalid token: ${auth}`, got: auth.slice(7) });
      bodies.push(body);
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  onCleanup(() => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))));
  return { url: `http://127.0.0.1:${port}/ps`, seen, bodies };
}

async function startRole(archiverUrl: string, env: Record<string, string> = {}): Promise<{ config: Config; queue: Queue<ArchiveJobData> }> {
  const config = testConfig({
    ARCHIVE_URLS: archiverUrl,
    AUTH_TOKEN: TOKEN,
    ARCHIVE_ATTEMPTS: '5',
    ARCHIVE_BACKOFF_MS: '50',
    ARCHIVE_BACKOFF_MAX_MS: '100',
    ARCHIVE_TIMEOUT_MS: '2000',
    ...env,
  });
  const logger = capturedLogger(lines);
  queues = new QueueRegistry(testRedisOptions(), testPrefix(), logger);
  onCleanup(() => queues.close());
  const role: Role = await startArchiveRole({ config, queues, logger, shutdownGraceMs: 2000 });
  onCleanup(() => role.close());
  return { config, queue: queues.get<ArchiveJobData>(archiveQueueName(archiverUrl)) };
}

function jobData(url: string, body: Partial<ArchiveJobData['body']> = {}): ArchiveJobData {
  return {
    url,
    category: 'rtt',
    body: {
      src: { ip: '10.0.0.1', name: 'ship-1' },
      dst: { ip: '192.0.2.7', name: 'shore' },
      direction: 'forward',
      ts: '2026-11-25T10:00:00Z',
      run_id: `run-${Math.random().toString(36).slice(2)}`,
      raw: { schema: 1, succeeded: true, loss: 0 },
      ...body,
    },
    resultFile: '/data/rtt/ship-1@shore_auto_20261125-100000Z_forward.json',
    testpoint: 'ship-1',
    measurementSucceeded: true,
  };
}

async function finished(queue: Queue<ArchiveJobData>, id: string, timeoutMs = 15_000): Promise<Job<ArchiveJobData>> {
  let state = '';
  return eventually(async () => {
    state = await queue.getJobState(id);
    return (state === 'completed' || state === 'failed') && (await Job.fromId<ArchiveJobData>(queue, id));
  }, { timeoutMs, intervalMs: 25, what: () => `job ${id} to finish (still ${state})` });
}

async function addRaw(queue: Queue<ArchiveJobData>, config: Config, data: unknown, name = 'deliver'): Promise<Job<ArchiveJobData>> {
  const job = await queue.add(name, data as ArchiveJobData, archiveJobOptions(config));
  return finished(queue, job.id!);
}

async function rawHash(queue: Queue<ArchiveJobData>, id: string): Promise<Record<string, string>> {
  const client = new Redis(TEST_REDIS_URL);
  try {
    return await client.hgetall(`${testPrefix()}:${queue.name}:${id}`);
  } finally {
    client.disconnect();
  }
}

describe('the token goes only to the archiver the queue belongs to', () => {
  it('jobs naming another archiver (plain, user:pw@, host@host, other case) are refused at once; the attacker receives nothing', async () => {
    const legit: ArchiverServer = await startArchiverServer({ token: TOKEN });
    onCleanup(() => legit.close());
    const attacker = await startAttacker();
    const { config, queue } = await startRole(legit.url);
    const legitHostPort = new URL(legit.url).host;

    const tricks: [string, RegExp][] = [
      [`${attacker.url}/steal`, /url="http:\/\/127\.0\.0\.1:\d+\/steal": names another archiver than this queue's \(http:\/\/127\.0\.0\.1:\d+\/ps\)/],
      [`http://user:pw@127.0.0.1:${attacker.port}/ps`, /url="http:\/\/\*\*\*@127\.0\.0\.1:\d+\/ps": not an archiver base URL \(a URL without user:password@/],
      [`http://${legitHostPort}@127.0.0.1:${attacker.port}/ps`, /url="http:\/\/\*\*\*@127\.0\.0\.1:\d+\/ps": not an archiver base URL/],
      [`http://user:${TOKEN}@${legitHostPort}/ps`, /url="http:\/\/\*\*\*@127\.0\.0\.1:\d+\/ps": not an archiver base URL/],
      [`HTTP://127.0.0.1:${attacker.port}/PS/`, /names another archiver/],
      [`${legit.url.replace('/ps', '/PS')}`, /names another archiver/],
    ];
    for (const [url, reason] of tricks) {
      const job = await addRaw(queue, config, jobData(url));
      expect(await job.getState(), url).toBe('failed');
      expect(job.attemptsMade, url).toBe(1);
      expect(job.failedReason, url).toMatch(/^archive job refused, not sent: /);
      expect(job.failedReason, url).toMatch(reason);
      expect(job.failedReason, url).not.toContain('user:pw');
      expect(job.failedReason, url).toContain('psq replay');
    }
    expect(attacker.connections()).toBe(0);
    expect(attacker.received()).toBe('');
    expect(legit.requests).toHaveLength(0);
    const refusals = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.outcome === 'refused');
    expect(refusals).toHaveLength(tricks.length);
    expect(lines.join('\n')).not.toContain(TOKEN);

    // The configured archiver, spelled with another case and a trailing slash, is the same archiver.
    const ok = await addRaw(queue, config, jobData(legit.url.replace('http://', 'HTTP://') + '/'));
    expect(await ok.getState()).toBe('completed');
    const normal = await addRaw(queue, config, jobData(legit.url));
    expect(await normal.getState()).toBe('completed');
    expect(legit.requests.map((r) => [r.path, r.headers.authorization])).toEqual([
      ['/ps/measurements/rtt', `Bearer ${TOKEN}`],
      ['/ps/measurements/rtt', `Bearer ${TOKEN}`],
    ]);
    expect(attacker.connections()).toBe(0);
  });
});

describe('every archive job is checked by the worker that runs it', () => {
  it('null, a string, no body, CRLF in run_id, an unknown category: each fails after exactly 1 attempt, named, nothing sent', async () => {
    const legit = await startArchiverServer({ token: TOKEN });
    onCleanup(() => legit.close());
    const { config, queue } = await startRole(legit.url);
    const good = jobData(legit.url);
    const cases: [string, unknown, string][] = [
      ['null', null, 'data=null: expected an object with url, category, body'],
      ['a string', 'just text', 'data="just text": expected an object'],
      ['no body', { ...good, body: undefined }, 'body=(missing): expected an object with exactly src, dst, direction, ts, run_id, raw'],
      ['CRLF in run_id', jobData(legit.url, { run_id: 'r1\r\nX-Injected: yes' }), 'body.run_id="r1\\r\\nX-Injected: yes": expected 1 to 128 visible ASCII characters'],
      ['unknown category', { ...good, category: 'exfiltrate' }, 'category="exfiltrate": expected one of latency, rtt, throughput, trace, mtu, clock'],
    ];
    for (const [what, data, reason] of cases) {
      const job = await addRaw(queue, config, data, what);
      expect(await job.getState(), what).toBe('failed');
      expect(job.attemptsMade, what).toBe(1);
      expect(job.failedReason, what).toContain(`archive job refused, not sent: ${reason}`);
    }
    expect(legit.requests).toHaveLength(0);
    expect(lines.filter((l) => l.includes('"worker error"'))).toEqual([]);
  });

  it('a refused job with odd data and no attempts left reaches the failed handler, which logs it without throwing', async () => {
    const legit = await startArchiverServer({ token: TOKEN });
    onCleanup(() => legit.close());
    const { queue } = await startRole(legit.url);
    const job = await queue.add('odd', null as unknown as ArchiveJobData, { attempts: 1 });
    await finished(queue, job.id!);
    const logged = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.jobId === job.id && String(l.msg).startsWith('delivery failed for good'));
    await eventually(logged, { timeoutMs: 5000, intervalMs: 25, what: 'the "delivery failed for good" log line' });
    expect(logged()).toMatchObject({ queue: queue.name, url: legit.url });
    expect(String(logged()?.msg)).toContain('psq retry-failed');
    expect(lines.filter((l) => l.includes('"worker error"'))).toEqual([]);
    expect(legit.requests).toHaveLength(0);
  });
});

describe('the POST body is bounded', () => {
  it('a job with a 2 MB result (MAX_RESULT_BYTES 1 MiB) is refused, named, and never sent', async () => {
    const legit = await startArchiverServer({ token: TOKEN });
    onCleanup(() => legit.close());
    const { config, queue } = await startRole(legit.url, { MAX_RESULT_BYTES: String(1024 * 1024) });
    const job = await addRaw(queue, config, jobData(legit.url, { raw: { schema: 1, succeeded: true, output: 'x'.repeat(2 * 1024 * 1024) } }));
    expect(await job.getState()).toBe('failed');
    expect(job.attemptsMade).toBe(1);
    expect(job.failedReason).toMatch(/archive job refused, not sent: body=\(\d{7} bytes serialized\): expected at most 1114112 bytes/);
    expect(job.failedReason).toContain('MAX_RESULT_BYTES');
    expect(legit.requests).toHaveLength(0);
    // A result within the bound still goes.
    const small = await addRaw(queue, config, jobData(legit.url));
    expect(await small.getState()).toBe('completed');
  });
});

describe('an archiver that echoes the Authorization header', () => {
  async function expectNoToken(queue: Queue<ArchiveJobData>, job: Job<ArchiveJobData>, archiverUrl: string): Promise<string> {
    const places: [string, string][] = [
      ['log lines', lines.join('\n')],
      ['failedReason', String(job.failedReason)],
      ['stacktrace', JSON.stringify(job.stacktrace)],
      ['raw Redis hash', JSON.stringify(await rawHash(queue, job.id!))],
    ];
    const outcomes = await waitForDeliveries((n) => queues.get<ArchiveJobData>(n), [{ queue: queue.name, id: job.id! }], 1000, 50);
    const summary = formatDeliveries([archiverUrl], outcomes).join('\n');
    places.push(['summary', summary]);
    for (const [where, text] of places) {
      expect(text, where).not.toContain(TOKEN);
      expect(text, where).not.toContain(TOKEN_HEAD);
    }
    return summary;
  }

  it('401 echoing "invalid token: Bearer …": the token is in no log line, failedReason, stack trace, Redis hash or summary', async () => {
    const echo = await startEchoArchiver(401);
    const { config, queue } = await startRole(echo.url);
    const job = await addRaw(queue, config, jobData(echo.url));
    // The archiver did get the token and did echo it: the test is about what we keep of that.
    expect(echo.seen[0]?.authorization).toBe(`Bearer ${TOKEN}`);
    expect(echo.bodies[0]).toContain(TOKEN);
    expect(await job.getState()).toBe('failed');
    expect(job.attemptsMade).toBe(1);
    expect(job.failedReason).toContain('HTTP 401');
    expect(job.failedReason).toContain('invalid token: Bearer [REDACTED]');
    expect(job.failedReason).toContain('fix AUTH_TOKEN, then run `psq retry-failed`');
    expect(job.failedReason).toContain('psq replay');
    const summary = await expectNoToken(queue, job, echo.url);
    expect(summary).toContain('[REDACTED]');
    const rejected = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.outcome === 'reject');
    expect(String(rejected?.answer)).toContain('invalid token: Bearer [REDACTED]');
  });

  it('500 echoing the token across the 2 KB kept of an answer, retried until the last attempt: no token, not even cut off', async () => {
    const echo = await startEchoArchiver(500, 2040);
    const { config, queue } = await startRole(echo.url, { ARCHIVE_ATTEMPTS: '2' });
    const job = await addRaw(queue, config, jobData(echo.url));
    expect(echo.seen).toHaveLength(2);
    expect(echo.bodies[0]).toContain(TOKEN);
    expect(await job.getState()).toBe('failed');
    expect(job.attemptsMade).toBe(2);
    expect(job.failedReason).toContain('HTTP 500');
    expect(job.failedReason).toContain('gave up after 2 attempts');
    expect(job.failedReason).toContain('psq retry-failed');
    await expectNoToken(queue, job, echo.url);
    expect(lines.filter((l) => l.includes('archive delivery failed; will retry'))).toHaveLength(1);
  });
});
