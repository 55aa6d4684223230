// Archive delivery over HTTPS: a private CA made by openssl, the real HTTPS archiver stand-in, undici, BullMQ on the real Redis.
import { randomUUID, X509Certificate } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Job, Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ArchiveJobData } from '../../src/jobs/archive-job.js';
import { archiveQueueWithWorker } from '../helpers/archive-worker.js';

import type { ArchiveResult } from '../../src/archive/archive-processor.js';
import { createArchiveDispatchers } from '../../src/archive/dispatchers.js';
import { startArchiverServer, type ArchiverServer } from '../helpers/archiver-server.js';
import { testConfig } from '../helpers/config.js';
import { createTestCa, type TestCa } from '../helpers/test-ca.js';
import { newTestPrefix, onCleanup } from '../helpers/test-context.js';
import { eventually } from '../helpers/eventually.js';
import { capturedLogger } from '../helpers/captured-logger.js';

/** These tests drive one archive queue of their own (in production: one per archiver URL). */
const ARCHIVE_QUEUE = 'archive-test';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const TOKEN = 'tok-Tls4-never-log-me';

interface Harness {
  server: ArchiverServer;
  queue: Queue<ArchiveJobData, ArchiveResult>;
  lines: string[];
}

let ca: TestCa;

beforeAll(async () => {
  ca = await createTestCa();
});

afterAll(async () => {
  await ca?.cleanup();
});

/**
 * An HTTPS archiver whose certificate the private CA signed, and a worker configured from `env`
 * through loadConfig, as psq would be. A retryable failure waits a minute: the job then sits in
 * `delayed`, which is BullMQ's proof that it was classified for retry, not rejected.
 */
async function setup(env: Record<string, string> = {}): Promise<Harness> {
  const server = await startArchiverServer({ token: TOKEN, tls: { key: ca.server.key, cert: ca.server.cert } });
  onCleanup(() => server.close());
  const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  onCleanup(() => connection.quit());
  const prefix = newTestPrefix();
  const lines: string[] = [];
  const logger = capturedLogger(lines);
  const config = testConfig({
    ARCHIVE_URLS: server.url,
    AUTH_TOKEN: TOKEN,
    ARCHIVE_TIMEOUT_MS: '2000',
    ARCHIVE_ATTEMPTS: '3',
    ARCHIVE_BACKOFF_MS: '60000',
    ARCHIVE_BACKOFF_MAX_MS: '60000',
    ...env,
  });
  const queue = archiveQueueWithWorker({ name: ARCHIVE_QUEUE, archiverUrl: server.url, config, connection, prefix, logger });
  return { server, queue, lines };
}

function jobData(url: string): ArchiveJobData {
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
    },
    resultFile: '/data/rtt/ship-1@shore_auto_20261125-100000Z_forward.json',
    testpoint: 'ship-1',
    measurementSucceeded: true,
  };
}

/**
 * Waits until the first attempt has settled: completed, failed, or delayed for a retry. The state
 * is read first and the job after it: a job read before its state changed is a stale snapshot
 * (attemptsMade 0, no failedReason) even when the state read right after says 'failed'.
 */
async function settled(h: Harness, data: ArchiveJobData, timeoutMs = 15_000): Promise<{ job: Job<ArchiveJobData, ArchiveResult>; state: string }> {
  const added = await h.queue.add('deliver', data);
  const id = added.id!;
  let state = '';
  return eventually(async () => {
    state = await h.queue.getJobState(id);
    if (state !== 'completed' && state !== 'failed' && state !== 'delayed') return undefined;
    const job = await h.queue.getJob(id);
    if (job === undefined) throw new Error(`job ${id} vanished after reaching ${state}`);
    return { job, state };
  }, { timeoutMs, intervalMs: 25, what: () => `job ${id} to settle (still ${state})` });
}

const logged = (h: Harness): Record<string, unknown>[] => h.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
const insecureWarnings = (h: Harness) => logged(h).filter((l) => /verification .*OFF/.test(String(l.msg)));

/** Not delivered, kept for retry, with a reason that points the operator at ARCHIVE_CA_FILE. */
async function expectUntrusted(h: Harness): Promise<void> {
  const data = jobData(h.server.url);
  const { job, state } = await settled(h, data);

  expect(state).toBe('delayed');
  expect(job.attemptsMade).toBe(1);
  expect(job.returnvalue).toBeFalsy();
  expect(job.failedReason).toContain('TLS certificate not trusted');
  expect(job.failedReason).toContain('ARCHIVE_CA_FILE');
  expect(job.failedReason).toContain(`${h.server.url}/measurements/rtt`);
  // The handshake failed, so no HTTP request ever reached the archiver.
  expect(h.server.requests).toHaveLength(0);
  expect(h.server.acceptedPosts()).toBe(0);
  const retry = logged(h).filter((l) => l.outcome !== undefined);
  expect(retry).toHaveLength(1);
  expect(retry[0]).toMatchObject({ outcome: 'retry', status: null, attempt: 1, run_id: data.body.run_id });
  expect(String(retry[0]?.reason)).toMatch(/TLS certificate not trusted \([A-Z_]+\); put the archiver's CA in ARCHIVE_CA_FILE/);
  expect(`${job.failedReason}\n${h.lines.join('\n')}`).not.toContain(TOKEN);
}

describe('archive delivery over TLS', () => {
  it('serves the stand-in over https with a certificate the private CA signed', async () => {
    const h = await setup();
    expect(h.server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/ps$/);
    const leaf = new X509Certificate(ca.server.cert);
    expect(leaf.checkIssued(new X509Certificate(ca.ca.cert))).toBe(true);
    expect(leaf.checkIssued(new X509Certificate(ca.unrelated.cert))).toBe(false);
    expect(leaf.checkIP('127.0.0.1')).toBe('127.0.0.1');
  });

  it('1. default trust: a private-CA archiver is not delivered to, and the retry reason names ARCHIVE_CA_FILE', async () => {
    const h = await setup();
    await expectUntrusted(h);
    expect(insecureWarnings(h)).toHaveLength(0);
  });

  it('2. ARCHIVE_CA_FILE = the private CA: delivered with the body and the bearer token', async () => {
    const h = await setup({ ARCHIVE_CA_FILE: ca.ca.certPath });
    const data = jobData(h.server.url);
    const { job, state } = await settled(h, data);

    expect(state).toBe('completed');
    expect(job.returnvalue.status).toBe(200);
    expect(job.attemptsMade).toBe(1);
    expect(h.server.requests).toHaveLength(1);
    const req = h.server.requests[0]!;
    expect(req).toMatchObject({ method: 'POST', path: '/ps/measurements/rtt', status: 200 });
    expect(req.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(req.body).toEqual(data.body);
    expect(h.server.acceptedPosts()).toBe(1);
    expect(logged(h).find((l) => l.msg === 'archive delivered')).toMatchObject({ status: 200, attempt: 1, run_id: data.body.run_id });
    expect(insecureWarnings(h)).toHaveLength(0);
    for (const line of h.lines) expect(line).not.toContain(TOKEN);
  });

  it('3. ARCHIVE_CA_FILE = an unrelated CA: not delivered', async () => {
    const h = await setup({ ARCHIVE_CA_FILE: ca.unrelated.certPath });
    await expectUntrusted(h);
  });

  it('4. ARCHIVE_INSECURE_TLS=true: delivered without a CA file, with a warning that verification is off, and no token in the logs', async () => {
    const h = await setup({ ARCHIVE_INSECURE_TLS: 'true' });
    const data = jobData(h.server.url);
    const { job, state } = await settled(h, data);

    expect(state).toBe('completed');
    expect(job.returnvalue.status).toBe(200);
    expect(h.server.requests).toHaveLength(1);
    expect(h.server.requests[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(h.server.requests[0]?.body).toEqual(data.body);
    expect(h.server.acceptedPosts()).toBe(1);

    const warnings = insecureWarnings(h);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ level: 40, archiveInsecureTls: true });
    expect(String(warnings[0]?.msg)).toContain('ARCHIVE_INSECURE_TLS');
    expect(logged(h).some((l) => l.msg === 'archive delivered')).toBe(true);
    expect(h.lines.length).toBeGreaterThanOrEqual(2);
    for (const line of h.lines) expect(line).not.toContain(TOKEN);
  });

  describe('5. ARCHIVE_CA_FILE that holds no usable certificate', () => {
    const cases: [string, () => string | Buffer, RegExp][] = [
      ['plain text', () => 'this is not a certificate\n', /no PEM certificate/],
      ['a DER (binary) certificate', () => new X509Certificate(ca.ca.cert).raw, /no PEM certificate/],
      ['a garbled PEM block', () => '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n', /certificate 1 is not valid PEM/],
      ['a missing file', () => 'unused', /cannot read the file \(ENOENT\)/],
    ];
    it.each(cases)('fails at start naming the variable and the path: %s', async (what, content, expected) => {
      const path = join(ca.dir, `not-pem-${what.replace(/\W+/g, '-')}.crt`);
      if (what !== 'a missing file') await writeFile(path, content());
      const lines: string[] = [];
      const config = testConfig({ AUTH_TOKEN: TOKEN, ARCHIVE_CA_FILE: path });

      let thrown: unknown;
      try {
        const d = createArchiveDispatchers(config, { logger: capturedLogger(lines) });
        onCleanup(() => d.close(100));
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(Error);
      expect((thrown as Error).message).toContain(`ARCHIVE_CA_FILE=${path}`);
      expect((thrown as Error).message).toMatch(expected);
    });
  });
});
