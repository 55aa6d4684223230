import { describe, expect, it } from 'vitest';
import { validateMeasureJob } from '../../../src/jobs/measure-job.js';
import type { MeasurementSpec } from '../../../src/plan/measurement-spec.js';
import { measureJobId } from '../../../src/plan/job-id.js';

const spec: MeasurementSpec = {
  testpoint: 'tp1',
  category: 'throughput',
  tool: 'iperf3',
  dest: { ip: '192.0.2.10', name: 'alpha' },
  source: null,
  direction: 'reverse',
  args: ['-P', '4', '-t', '60', '-i', '10', '-O', '10'],
};
const job = (over: Partial<MeasurementSpec> = {}, slotMs: unknown = 1000) => ({ spec: { ...spec, ...over }, slotMs });

describe('measure job validation (job data is untrusted)', () => {
  it('accepts what the planner produces, IPv6 and sources included', () => {
    expect(validateMeasureJob(job(), 'tp1')).toEqual([]);
    expect(validateMeasureJob(job({ dest: { ip: '2001:db8::10', name: 'v6' }, source: 'eth0' }), 'tp1')).toEqual([]);
    expect(validateMeasureJob(job({ category: 'rtt', tool: null, direction: 'forward', args: [] }), 'tp1')).toEqual([]);
  });

  it('refuses a job for another testpoint', () => {
    expect(validateMeasureJob(job(), 'tp2').join()).toMatch(/not this testpoint/);
  });

  it.each([
    ['shell in dest', { dest: { ip: '$(id)', name: 'x' } }],
    ['option as dest', { dest: { ip: '--help', name: 'x' } }],
    ['option as name', { dest: { ip: '192.0.2.1', name: '-x' } }],
    ['shell in source', { source: ';rm -rf /' }],
    ['unknown tool', { tool: 'bash' }],
    ['tool of another test', { tool: 'ping' }],
    ['task option smuggled in args', { args: ['--archive', '{"archiver":"http"}'] }],
    ['output path smuggled in args', { args: ['--output', '/etc/passwd'] }],
    ['shell metacharacters in args', { args: ['-t', '60;id'] }],
    ['unknown category', { category: 'exec' as never }],
  ])('refuses %s', (_name, over) => {
    expect(validateMeasureJob(job(over as Partial<MeasurementSpec>), 'tp1').length).toBeGreaterThan(0);
  });

  it('refuses a reverse run the tool cannot measure', () => {
    expect(validateMeasureJob(job({ category: 'latency', tool: 'halfping', args: [] }), 'tp1').join()).toMatch(/reverse is not measurable/);
  });

  it('refuses non-object data and a bad slot', () => {
    expect(validateMeasureJob('x', 'tp1')).toEqual(['job data "x" is not an object']);
    expect(validateMeasureJob(job({}, -5), 'tp1').join()).toMatch(/slotMs/);
  });

  it('takes a deadline after the slot, or none', () => {
    expect(validateMeasureJob({ ...job(), notAfterMs: 2000 }, 'tp1')).toEqual([]);
    expect(validateMeasureJob({ ...job(), notAfterMs: 1000 }, 'tp1')).toEqual(['notAfterMs 1000 must be an integer after slotMs (1000) or absent']);
    expect(validateMeasureJob({ ...job(), notAfterMs: '9999' }, 'tp1')).toEqual(['notAfterMs "9999" must be an integer after slotMs (1000) or absent']);
  });

  it('a category must belong to the queue the job was taken from', () => {
    expect(validateMeasureJob(job(), 'tp1', 'throughput-tp1')).toEqual([]);
    expect(validateMeasureJob(job(), 'tp1', 'measure-tp1')).toEqual([
      'spec.category "throughput" does not belong on queue measure-tp1 (throughput runs on throughput-tp1)',
    ]);
    const rtt = job({ category: 'rtt', tool: null, direction: 'forward', args: [] });
    expect(validateMeasureJob(rtt, 'tp1', 'measure-tp1')).toEqual([]);
    expect(validateMeasureJob(rtt, 'tp1', 'throughput-tp1').join()).toMatch(/spec\.category "rtt" does not belong on queue throughput-tp1/);
  });

  it('quotes offending values clipped, so a huge field never makes a huge reason', () => {
    const problems = validateMeasureJob(job({ tool: 'z'.repeat(60_000), dest: { ip: 'q'.repeat(1000), name: 'n' } }), 'tp1');
    expect(problems.length).toBeGreaterThan(0);
    for (const p of problems) expect(p.length).toBeLessThan(400);
    expect(problems.join()).toContain('…(60002 chars)');
  });

  it('refuses job data over 64 KiB before looking at it', () => {
    expect(validateMeasureJob({ ...job(), pad: 'x'.repeat(70_000) }, 'tp1')).toEqual([expect.stringMatching(/^job data is 70\d{3} bytes, over the 65536-byte limit/)]);
  });

  it.each([
    ['null', null],
    ['a number', 5],
    ['an array', []],
    ['spec null', { spec: null, slotMs: 1 }],
    ['spec an array', { spec: [1], slotMs: 1 }],
    ['dest an array', { spec: { ...spec, dest: [] }, slotMs: 1 }],
    ['dest with number ip', { spec: { ...spec, dest: { ip: 1, name: 2 } }, slotMs: 1 }],
    ['args null', { spec: { ...spec, args: null }, slotMs: 1 }],
    ['args of objects', { spec: { ...spec, args: [{}] }, slotMs: 1 }],
    ['everything null', { spec: { testpoint: null, category: null, tool: null, dest: null, source: null, direction: null, args: null }, slotMs: null }],
  ])('odd data (%s) gives problems, never a TypeError', (_name, data) => {
    expect(() => validateMeasureJob(data, 'tp1', 'measure-tp1')).not.toThrow();
    expect(validateMeasureJob(data, 'tp1', 'measure-tp1').length).toBeGreaterThan(0);
  });
});

describe('compact measure jobs (no spec in the data: the job id names it)', () => {
  const id = measureJobId(spec, 1000);
  it('accepts a slot (and deadline) with an id of this testpoint, on the queue of its category', () => {
    expect(validateMeasureJob({ slotMs: 1000 }, 'tp1', 'throughput-tp1', id)).toEqual([]);
    expect(validateMeasureJob({ slotMs: 1000, notAfterMs: 2000 }, 'tp1', 'throughput-tp1', id)).toEqual([]);
    const rtt = measureJobId({ ...spec, category: 'rtt', tool: null, direction: 'forward', args: [] }, 1000);
    expect(validateMeasureJob({ slotMs: 1000 }, 'tp1', 'measure-tp1', rtt)).toEqual([]);
  });

  it('refuses an id for another testpoint', () => {
    expect(validateMeasureJob({ slotMs: 1000 }, 'tp2', 'throughput-tp2', id)).toEqual([
      `job id "${id}" is not a measurement of this testpoint (tp2), and the job data carries no spec`,
    ]);
  });

  it('refuses a category that does not belong on the queue the job was taken from', () => {
    expect(validateMeasureJob({ slotMs: 1000 }, 'tp1', 'measure-tp1', id)).toEqual([
      `job id "${id}" names category throughput, which does not belong on queue measure-tp1 (throughput runs on throughput-tp1)`,
    ]);
  });

  it('refuses an unknown category, a slot other than the id\'s, a bad deadline, and data without spec or id', () => {
    expect(validateMeasureJob({ slotMs: 1000 }, 'tp1', 'measure-tp1', 'tp1__exec__auto__192.0.2.1__forward__1000').join()).toMatch(/names category "exec", not a known category/);
    expect(validateMeasureJob({ slotMs: 999 }, 'tp1', 'throughput-tp1', id)).toEqual([`job id "${id}" is for slot 1000, not the data's slotMs 999`]);
    expect(validateMeasureJob({ slotMs: 1000, notAfterMs: 5 }, 'tp1', 'throughput-tp1', id).join()).toMatch(/notAfterMs 5 must be an integer after slotMs/);
    expect(validateMeasureJob({ slotMs: 1000 }, 'tp1', 'throughput-tp1')).toEqual(['spec is missing, and no job id was given to name it']);
    expect(validateMeasureJob({ slotMs: 1000 }, 'tp1', 'throughput-tp1', 'forged').join()).toMatch(/job id "forged" is not a measurement of this testpoint/);
  });
});
