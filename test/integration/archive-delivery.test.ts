// Archive delivery end to end: BullMQ on the real Redis, undici, and a real HTTP archiver stand-in.
import { randomUUID } from 'node:crypto';
import type { Job, Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { ArchiveJobData } from '../../src/jobs/archive-job.js';
import { archiveQueueWithWorker } from '../helpers/archive-worker.js';

import type { ArchiveResult } from '../../src/archive/archive-processor.js';
import { buildArchiveRequest } from '../../src/archive/archive-request.js';
import { createArchiveDispatchers } from '../../src/archive/dispatchers.js';
import { postMeasurement, type PostResult } from '../../src/archive/post-measurement.js';
import { startArchiverServer, type ArchiverServer, type Mode, type RecordedRequest } from '../helpers/archiver-server.js';
import { newTestPrefix, onCleanup } from '../helpers/test-context.js';
import { eventually } from '../helpers/eventually.js';
import { capturedLogger } from '../helpers/captured-logger.js';

/** These tests drive one archive queue of their own (in production: one per archiver URL). */
const ARCHIVE_QUEUE = 'archive-test';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const TOKEN = 'tok-Zq9x-never-log-me';

interface Harness {
  server: ArchiverServer;
  queue: Queue<ArchiveJobData, ArchiveResult>;
  lines: string[];
  prefix: string;
  connection: Redis;
}

async function setup(opts: { token?: string | null; timeoutMs?: number; attempts?: number; archiverUrl?: (serverUrl: string) => string } = {}): Promise<Harness> {
  const server = await startArchiverServer({ token: TOKEN, slowBodyChunkMs: 400 });
  onCleanup(() => server.close());
  const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  onCleanup(() => connection.quit());
  const prefix = newTestPrefix();
  const lines: string[] = [];
  const logger = capturedLogger(lines);
  const config = {
    authToken: opts.token === undefined ? TOKEN : opts.token,
    archiveTimeoutMs: opts.timeoutMs ?? 2000,
    archiveAttempts: opts.attempts ?? 4,
    archiveBackoffMs: 50,
    archiveBackoffMaxMs: 200,
    archiveCaFile: null,
    archiveInsecureTls: false,
    archiveFailedKeepDays: 30,
  };
  const queue = archiveQueueWithWorker({ name: ARCHIVE_QUEUE, archiverUrl: opts.archiverUrl?.(server.url) ?? server.url, config, connection, prefix, logger });
  return { server, queue, lines, prefix, connection };
}

function jobData(url: string, overrides: Partial<ArchiveJobData['body']> = {}): ArchiveJobData {
  return {
    url,
    category: 'rtt',
    body: {
      src: { ip: '10.0.0.1', name: 'ship-1' },
      dst: { ip: '192.0.2.7', name: 'shore' },
      direction: 'forward',
      ts: '2026-11-25T10:00:00Z',
      run_id: `run-${randomUUID()}`,
      raw: { succeeded: true, mean: 'PT0.012S', loss: 0 },
      ...overrides,
    },
    resultFile: '/data/rtt/ship-1@shore_auto_20261125-100000Z_forward.json',
    testpoint: 'ship-1',
    measurementSucceeded: true,
  };
}

async function finished(queue: Queue<ArchiveJobData, ArchiveResult>, id: string, timeoutMs = 15_000): Promise<Job<ArchiveJobData, ArchiveResult>> {
  let state = '';
  return eventually(async () => {
    // State first, then the job: read the other way round, a copy from before the last attempt
    // could be returned with the new state.
    state = await queue.getJobState(id);
    return (state === 'completed' || state === 'failed') && (await queue.getJob(id));
  }, { timeoutMs, intervalMs: 25, what: () => `job ${id} to finish (still ${state})` });
}

async function run(h: Harness, data: ArchiveJobData): Promise<Job<ArchiveJobData, ArchiveResult>> {
  const job = await h.queue.add('deliver', data);
  return finished(h.queue, job.id!);
}

const bodyOf = (r: RecordedRequest | undefined): Record<string, unknown> => r?.body as Record<string, unknown>;
const logged = (h: Harness): Record<string, unknown>[] => h.lines.map((l) => JSON.parse(l) as Record<string, unknown>);

describe('archive delivery', () => {
  it('(a) delivers a result with the bearer token and the exact body', async () => {
    const h = await setup();
    const data = jobData(h.server.url);
    const job = await run(h, data);

    expect(await job.getState()).toBe('completed');
    expect(job.returnvalue.status).toBe(200);
    expect(job.attemptsMade).toBe(1);
    expect(h.server.requests).toHaveLength(1);
    const req = h.server.requests[0]!;
    expect(req).toMatchObject({ method: 'POST', path: '/ps/measurements/rtt', query: '?upsert=true', status: 200 });
    expect(req.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(req.headers['idempotency-key']).toBe(`${data.body.run_id}:rtt:${data.body.ts}`);
    expect(req.body).toEqual(data.body);
    expect(h.server.distinctRecords()).toBe(1);
    expect(logged(h).find((l) => l.msg === 'archive delivered')).toMatchObject({ status: 200, attempt: 1, run_id: data.body.run_id, category: 'rtt' });
  });

  it('(b) retries a 503 and delivers on attempt 2 with the same run_id and ts', async () => {
    const h = await setup();
    h.server.failNext(1, { status: 503 });
    const job = await run(h, jobData(h.server.url));

    expect(await job.getState()).toBe('completed');
    expect(job.attemptsMade).toBe(2);
    const [first, second] = h.server.requests;
    expect([first?.status, second?.status]).toEqual([503, 200]);
    expect(bodyOf(second).run_id).toBe(bodyOf(first).run_id);
    expect(bodyOf(second).ts).toBe(bodyOf(first).ts);
    expect(second?.headers['idempotency-key']).toBe(first?.headers['idempotency-key']);
    expect(second?.headers['x-request-id']).not.toBe(first?.headers['x-request-id']);
    const outcomes = logged(h).filter((l) => typeof l.outcome === 'string');
    expect(outcomes.map((l) => [l.outcome, l.status, l.attempt])).toEqual([['retry', 503, 1], ['delivered', 200, 2]]);
  });

  it("(c) fails a 400 after exactly one attempt, keeping the status, the archiver's message and the URL", async () => {
    const h = await setup();
    // The worker refuses such a body itself now (archive-job-schema.ts); the archiver's own 400 is scripted.
    h.server.failNext(1, { status: 400, body: { detail: "'sideways' is not one of ['forward', 'reverse']", status: 400, title: 'Bad Request', type: 'about:blank' } });
    const job = await run(h, jobData(h.server.url));

    expect(await job.getState()).toBe('failed');
    expect(job.attemptsMade).toBe(1);
    expect(h.server.requests).toHaveLength(1);
    expect(job.failedReason).toContain('400');
    expect(job.failedReason).toContain("'sideways' is not one of ['forward', 'reverse']");
    expect(job.failedReason).toContain(`${h.server.url}/measurements/rtt`);
  });

  it('(d) fails at once on 401 when the token is wrong, and does not echo it', async () => {
    const h = await setup({ token: 'wrong-token-xyz' });
    const job = await run(h, jobData(h.server.url));

    expect(await job.getState()).toBe('failed');
    expect(job.attemptsMade).toBe(1);
    expect(h.server.requests).toHaveLength(1);
    expect(job.failedReason).toMatch(/401/);
    expect(job.failedReason).toContain('Provided token is not valid');
    expect(job.failedReason).toContain('AUTH_TOKEN');
    expect(`${job.failedReason} ${h.lines.join('\n')}`).not.toContain('wrong-token-xyz');
  });

  it('(e) honours Retry-After: 1 on a 429 before the next attempt', async () => {
    const h = await setup();
    h.server.failNext(1, { status: 429, retryAfter: 1 });
    const job = await run(h, jobData(h.server.url));

    expect(await job.getState()).toBe('completed');
    const [first, second] = h.server.requests;
    expect(first?.status).toBe(429);
    expect(second!.receivedAt - first!.receivedAt).toBeGreaterThanOrEqual(1000);
    expect(logged(h).find((l) => l.outcome === 'retry')).toMatchObject({ status: 429, retryAfterMs: 1000 });
  });

  it('(f) abandons a stalled archiver after the timeout, retries and delivers', async () => {
    const h = await setup({ timeoutMs: 300 });
    h.server.failNext(1, 'stall');
    const job = await run(h, jobData(h.server.url));

    expect(await job.getState()).toBe('completed');
    expect(job.attemptsMade).toBe(2);
    expect(h.server.requests.map((r) => r.status)).toEqual([null, 200]);
    const retry = logged(h).find((l) => l.outcome === 'retry');
    expect(retry).toMatchObject({ status: null, attempt: 1 });
    expect(String(retry?.reason)).toContain('UND_ERR_HEADERS_TIMEOUT');
    // undici checks its idle timers on a ~1 s tick, so a 300 ms timeout trips within about 1.3 s.
    expect(retry?.durationMs as number).toBeLessThan(1900);
  });

  it('(g) never puts the token in log lines or in the job stored in Redis', async () => {
    const h = await setup();
    h.server.enqueue({ status: 503 }, 'reset');
    const job = await run(h, jobData(h.server.url));

    expect(await job.getState()).toBe('completed');
    expect(job.attemptsMade).toBe(3);
    expect(h.server.requests.every((r) => r.headers.authorization === `Bearer ${TOKEN}`)).toBe(true);
    expect(h.lines.length).toBeGreaterThanOrEqual(3);
    for (const line of h.lines) expect(line).not.toContain(TOKEN);
    expect(JSON.stringify(job.data)).not.toContain(TOKEN);
    const stored = await h.connection.hgetall(`${h.prefix}:${ARCHIVE_QUEUE}:${job.id}`);
    expect(Object.keys(stored)).toContain('data');
    expect(JSON.stringify(stored)).not.toContain(TOKEN);
  });

  it('upserts: delivering the same result twice leaves one record', async () => {
    const h = await setup();
    const data = jobData(h.server.url);
    await run(h, data);
    await run(h, data);
    expect(h.server.acceptedPosts()).toBe(2);
    expect(h.server.distinctRecords()).toBe(1);
  });

  it('fails at once on 404 when the base URL lacks /ps, saying so and how to recover', async () => {
    const withoutPs = (url: string): string => url.replace(/\/ps$/, '');
    const h = await setup({ archiverUrl: withoutPs });
    const job = await run(h, jobData(withoutPs(h.server.url)));
    expect(await job.getState()).toBe('failed');
    expect(job.attemptsMade).toBe(1);
    expect(job.failedReason).toMatch(/404.*\/ps/);
    expect(job.failedReason).toContain(`psq retry-failed --from ${withoutPs(h.server.url)}`);
    expect(job.failedReason).toContain('psq replay');
  });

  async function postTo(mode: Mode): Promise<PostResult> {
    const server = await startArchiverServer({ token: TOKEN, slowBodyChunkMs: 5000 });
    onCleanup(() => server.close());
    const dispatchers = createArchiveDispatchers({ archiveTimeoutMs: 300, archiveCaFile: null, archiveInsecureTls: false });
    onCleanup(() => dispatchers.close(200));
    server.failNext(1, mode);
    const req = buildArchiveRequest(server.url, jobData(server.url), TOKEN, 'deadline-test');
    return postMeasurement(req, dispatchers.get(req.url), 300);
  }

  it('bounds a body that stops arriving for longer than the timeout', async () => {
    const r = await postTo('slow-body');
    // The archiver said 200 before the body stalled: the record is stored, so it counts as delivered.
    expect(r).toMatchObject({ outcome: 'delivered', status: 200 });
    expect(r.reason).toContain('UND_ERR_BODY_TIMEOUT');
    expect(r.durationMs).toBeLessThan(1900);
  });

  it("is cancelled at once by the job's signal (worker shutting down), before and during the exchange", async () => {
    const server = await startArchiverServer({ token: TOKEN });
    onCleanup(() => server.close());
    const dispatchers = createArchiveDispatchers({ archiveTimeoutMs: 5000, archiveCaFile: null, archiveInsecureTls: false });
    onCleanup(() => dispatchers.close(200));
    server.setDefaultMode('stall');
    const req = buildArchiveRequest(server.url, jobData(server.url), TOKEN, 'cancel-test');
    const during = new AbortController();
    setTimeout(() => during.abort(), 100);
    const r = await postMeasurement(req, dispatchers.get(req.url), 5000, { signal: during.signal });
    expect(r).toMatchObject({ outcome: 'retry', status: null });
    expect(r.reason).toContain('AbortError');
    expect(r.durationMs).toBeLessThan(2000);
    const before = new AbortController();
    before.abort();
    const r2 = await postMeasurement(req, dispatchers.get(req.url), 5000, { signal: before.signal });
    expect(r2).toMatchObject({ outcome: 'retry', status: null });
    expect(r2.reason).toContain('AbortError');
  });

  it("keeps no answer text for a delivery (nothing reads it), and the archiver's answer for a refusal", async () => {
    const ok = await postTo('normal');
    expect(ok).toMatchObject({ outcome: 'delivered', status: 200, responseText: '' });
    const no = await postTo({ status: 400, body: { detail: 'ts is not a date' } });
    expect(no).toMatchObject({ outcome: 'reject', status: 400 });
    expect(no.responseText).toContain('ts is not a date');
  });

  it('bounds a body that trickles just inside the idle timeout, by the overall deadline', async () => {
    const r = await postTo({ slowBody: true, chunkDelayMs: 100 });
    expect(r).toMatchObject({ outcome: 'delivered', status: 200 });
    expect(r.reason).toContain('TimeoutError');
    expect(r.durationMs).toBeGreaterThanOrEqual(1800);
    expect(r.durationMs).toBeLessThan(3000);
  });
});
