// retry-failed --from: the copies of an old delivery, one per configured archiver. Pure parts.
import { describe, expect, it } from 'vitest';
import type { ArchiveJobData } from '../../../src/jobs/archive-job.js';
import { movedJobId, movedJobs } from '../../../src/operations/move-failed.js';
import { archiveQueueName } from '../../../src/queues/queue-names.js';

const OLD = 'http://127.0.0.1:9000';
const TARGETS = ['http://127.0.0.1:9000/ps', 'https://b.example.org/ps'];
const LIMITS = { maxBodyBytes: 1 << 20 };
const data: ArchiveJobData = {
  url: OLD,
  category: 'rtt',
  body: { src: { ip: '192.0.2.1', name: 'tp' }, dst: { ip: '192.0.2.10', name: 'alpha' }, direction: 'forward', ts: '2026-11-25T10:00:00Z', run_id: 'r-1', raw: { succeeded: true } },
  resultFile: '/data/rtt/alpha@192.0.2.10_ping_20261125-100000Z_forward.json',
  testpoint: 'tp',
  measurementSucceeded: true,
};

describe('movedJobs', () => {
  it('one copy per target, addressed to it and on its queue, with the same body', () => {
    const r = movedJobs(archiveQueueName(OLD), '17', data, TARGETS, { attempts: 5 }, LIMITS);
    if (!r.ok) throw new Error(r.reason);
    expect(r.jobs.map((j) => [j.queue, j.data.url])).toEqual(TARGETS.map((u) => [archiveQueueName(u), u]));
    for (const j of r.jobs) {
      expect(j.data.body).toEqual(data.body);
      expect({ ...j.data, url: OLD }).toEqual(data);
      expect(j.opts.attempts).toBe(5);
    }
  });
  it('job ids are deterministic per old job and target, distinct otherwise, and valid BullMQ custom ids', () => {
    const q = archiveQueueName(OLD);
    expect(movedJobId(q, '17', TARGETS[0]!)).toBe(movedJobId(q, '17', TARGETS[0]!));
    const ids = new Set([movedJobId(q, '17', TARGETS[0]!), movedJobId(q, '17', TARGETS[1]!), movedJobId(q, '18', TARGETS[0]!), movedJobId('archive-x', '17', TARGETS[0]!)]);
    expect(ids.size).toBe(4);
    for (const id of ids) expect(id).toMatch(/^moved__[0-9a-f]{32}$/);
  });
  it('data the archive worker would refuse is not copied, with the field named', () => {
    const r = movedJobs('archive-x', '1', { ...data, body: { ...data.body, ts: 'yesterday' } }, TARGETS, {}, LIMITS);
    expect(r).toEqual({ ok: false, reason: expect.stringContaining('body.ts="yesterday"') });
    expect(movedJobs('archive-x', '1', null, TARGETS, {}, LIMITS)).toMatchObject({ ok: false });
  });
});
