import { describe, expect, it } from 'vitest';
import { archiveJobId, measureJobId, measureSpecKey, parseMeasureJobId, runIdFor, slotFromSchedulerJobId } from '../../../src/plan/job-id.js';
import type { MeasurementSpec } from '../../../src/plan/measurement-spec.js';
import { archiveQueueName } from '../../../src/queues/queue-names.js';

const spec: MeasurementSpec = {
  testpoint: 'tp1',
  category: 'rtt',
  tool: null,
  dest: { ip: '2001:db8::10', name: 'beta' },
  source: null,
  direction: 'forward',
  args: [],
};

describe('job ids', () => {
  it('measurement ids are deterministic, readable and free of ":" (BullMQ forbids it)', () => {
    const id = measureJobId(spec, 1764115200000);
    expect(id).toBe('tp1__rtt__auto__2001_db8__10__forward__1764115200000');
    expect(measureJobId({ ...spec }, 1764115200000)).toBe(id);
    expect(id).not.toContain(':');
  });

  it('differ by slot, direction, tool and source', () => {
    const ids = new Set([
      measureJobId(spec, 1),
      measureJobId(spec, 2),
      measureJobId({ ...spec, direction: 'reverse' }, 1),
      measureJobId({ ...spec, tool: 'ping' }, 1),
      measureJobId({ ...spec, source: 'eth1' }, 1),
    ]);
    expect(ids.size).toBe(5);
  });

  it('run_id is a stable UUID-shaped value per measurement job', () => {
    const a = runIdFor('tp1__rtt__auto__h__forward__1');
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(runIdFor('tp1__rtt__auto__h__forward__1')).toBe(a);
    expect(runIdFor('tp1__rtt__auto__h__forward__2')).not.toBe(a);
  });

  it('reads the slot from a Job Scheduler job id', () => {
    expect(slotFromSchedulerJobId('repeat:round__tp1__abc:1764115200000')).toBe(1764115200000);
    expect(slotFromSchedulerJobId('custom-id')).toBeNull();
  });

  it('archive ids differ per archiver URL and per measurement time', () => {
    const a = archiveJobId('m1', 'https://a.example/ps', '2026-11-26T01:00:00Z');
    expect(a).toMatch(/^m1__[0-9a-f]{12}__20261126010000$/);
    expect(archiveJobId('m1', 'https://b.example/ps', '2026-11-26T01:00:00Z')).not.toBe(a);
    expect(archiveJobId('m1', 'https://a.example/ps', '2026-11-26T01:00:01Z')).not.toBe(a);
  });
});

describe('archive queue names', () => {
  it('one queue per archiver, readable and free of ":"', () => {
    const a = archiveQueueName('https://archiver.example.org:8443/ps');
    expect(a).toMatch(/^archive-archiver\.example\.org-8443-[0-9a-f]{8}$/);
    expect(archiveQueueName('https://archiver.example.org:8443/ps')).toBe(a);
    expect(archiveQueueName('https://archiver.example.org:8443/other')).not.toBe(a);
  });
});

describe('parseMeasureJobId (compact jobs: the id names the spec)', () => {
  it('splits an id of the given testpoint into the key (the id without its slot), category and slot', () => {
    const id = measureJobId(spec, 1764115200000);
    expect(parseMeasureJobId(id, 'tp1')).toEqual({ key: measureSpecKey(spec), category: 'rtt', slotMs: 1764115200000 });
    expect(measureSpecKey(spec)).toBe('tp1__rtt__auto__2001_db8__10__forward');
  });

  it('takes the testpoint as given: a testpoint name may itself hold "__"', () => {
    const odd = { ...spec, testpoint: 'tp__x', source: 'eth0' };
    expect(parseMeasureJobId(measureJobId(odd, 5), 'tp__x')).toEqual({ key: measureSpecKey(odd), category: 'rtt', slotMs: 5 });
    expect(parseMeasureJobId(measureJobId(odd, 5), 'tp')).toMatchObject({ category: 'x' });
  });

  it('is null for an id of another testpoint, or without a slot', () => {
    expect(parseMeasureJobId(measureJobId(spec, 5), 'tp2')).toBeNull();
    expect(parseMeasureJobId('tp1__rtt__auto__192.0.2.1__forward', 'tp1')).toBeNull();
    expect(parseMeasureJobId('tp1__rtt__auto__192.0.2.1__forward__x1', 'tp1')).toBeNull();
    expect(parseMeasureJobId('tp1__123', 'tp1')).toBeNull();
    expect(parseMeasureJobId('forged-id', 'tp1')).toBeNull();
  });
});
