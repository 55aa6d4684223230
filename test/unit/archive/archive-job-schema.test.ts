import { describe, expect, it } from 'vitest';
import type { ArchiveJobData } from '../../../src/jobs/archive-job.js';
import { archiveBodyLimit, ARCHIVE_BODY_ENVELOPE_BYTES, checkArchiveJob, formatArchiveJobProblem, showValue } from '../../../src/archive/archive-job-schema.js';

const LIMITS = { maxBodyBytes: 64 * 1024 };

function good(): ArchiveJobData {
  return {
    url: 'https://archiver.example.org/ps',
    category: 'rtt',
    body: {
      src: { ip: '10.0.0.1', name: 'ship-1' },
      dst: { ip: '2001:db8::7', name: 'shore' },
      direction: 'forward',
      ts: '2026-11-25T10:00:00Z',
      run_id: '3f1c2a9e-1b2c-5d3e-8f40-0123456789ab',
      raw: { schema: 1, succeeded: true },
    },
    resultFile: '/data/rtt/ship-1@shore_auto_20261125-100000Z_forward.json',
    testpoint: 'ship-1',
    measurementSucceeded: true,
  };
}

/** `good()` with one field (dotted path) set to `value`, or removed when `value` is `undefined`. */
function withField(path: string, value: unknown): unknown {
  const data = JSON.parse(JSON.stringify(good())) as Record<string, unknown>;
  const keys = path.split('.');
  let at = data;
  for (const k of keys.slice(0, -1)) at = at[k] as Record<string, unknown>;
  if (value === undefined) delete at[keys.at(-1)!];
  else at[keys.at(-1)!] = value;
  return data;
}

function refusal(data: unknown): string {
  const r = checkArchiveJob(data, LIMITS);
  if (r.ok) throw new Error('expected a refusal');
  return formatArchiveJobProblem(r.problem);
}

describe('checkArchiveJob', () => {
  it('accepts what the measure role and replay produce', () => {
    const r = checkArchiveJob(good(), LIMITS);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.bodyBytes).toBe(Buffer.byteLength(JSON.stringify(good().body)));
    expect(checkArchiveJob(withField('body.ts', '2026-11-25T10:00:00.123+02:00'), LIMITS).ok).toBe(true);
    expect(checkArchiveJob(withField('body.direction', 'reverse'), LIMITS).ok).toBe(true);
    expect(checkArchiveJob(withField('measurementSucceeded', false), LIMITS).ok).toBe(true);
  });

  it('refuses data that is not an object, naming what it is', () => {
    expect(refusal(null)).toMatch(/^data=null: expected an object with url, category, body/);
    expect(refusal('x')).toMatch(/^data="x": expected an object/);
    expect(refusal([1, 2])).toMatch(/^data=\(an array of 2\)/);
  });

  it('names the field, its value and what is expected', () => {
    const cases: [string, unknown, RegExp][] = [
      ['url', undefined, /^url=\(missing\): expected the archiver base URL/],
      ['url', 'ftp://h/ps', /^url="ftp:\/\/h\/ps": expected an http/],
      ['url', 'http://user:pw@h/ps'.replace('http', 'gopher'), /^url="gopher:\/\/\*\*\*@h\/ps"/],
      ['category', 'bogus', /^category="bogus": expected one of latency, rtt, throughput, trace, mtu, clock$/],
      ['body', undefined, /^body=\(missing\): expected an object with exactly src, dst, direction, ts, run_id, raw$/],
      ['body', 'text', /^body="text"/],
      ['body.note', 'edited', /^body\.note="edited": expected no such key/],
      ['body.raw', undefined, /^body\.raw=\(missing\): expected present/],
      ['body.src', null, /^body\.src=null: expected an object with exactly ip, name/],
      ['body.dst.port', 5201, /^body\.dst\.port=5201: expected no such key/],
      ['body.dst.name', 'a\nb', /^body\.dst\.name="a\\nb": expected no control characters/],
      ['body.src.ip', 7, /^body\.src\.ip=7: expected a non-empty string/],
      ['body.direction', 'sideways', /^body\.direction="sideways": expected forward or reverse$/],
      ['body.ts', 'yesterday', /^body\.ts="yesterday": expected an RFC 3339 time/],
      ['body.ts', '2026-11-25 10:00', /^body\.ts=/],
      ['body.ts', '2026-02-31T10:00:00Z'.replace('02-31', '13-01'), /^body\.ts=/],
      ['body.run_id', 'abc\r\nX-Evil: 1', /^body\.run_id="abc\\r\\nX-Evil: 1": expected 1 to 128 visible ASCII/],
      ['body.run_id', '', /^body\.run_id="": expected/],
      ['body.run_id', 'x'.repeat(129), /^body\.run_id="x{80}"… \(129 chars\): expected/],
      ['body.raw', [1], /^body\.raw=\(an array of 1\): expected the measurement result/],
      ['resultFile', 5, /^resultFile=5: expected a non-empty string/],
      ['testpoint', 'tp:1', /^testpoint="tp:1": expected 1 to 64 of letters/],
      ['measurementSucceeded', 'yes', /^measurementSucceeded="yes": expected true or false$/],
    ];
    for (const [path, value, expected] of cases) expect(refusal(withField(path, value)), path).toMatch(expected);
  });

  it('refuses a body over the bound, saying how big it is and what the bound is', () => {
    const big = withField('body.raw', { schema: 1, output: 'x'.repeat(70 * 1024) });
    const r = checkArchiveJob(big, LIMITS);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.tooLarge).toBe(true);
      expect(formatArchiveJobProblem(r.problem)).toMatch(/^body=\(\d+ bytes serialized\): expected at most 65536 bytes \(MAX_RESULT_BYTES plus/);
    }
    expect(checkArchiveJob(big, { maxBodyBytes: 1024 * 1024 }).ok).toBe(true);
  });

  it('bounds the body at MAX_RESULT_BYTES plus a small envelope', () => {
    expect(archiveBodyLimit(8 * 1024 * 1024)).toBe(8 * 1024 * 1024 + ARCHIVE_BODY_ENVELOPE_BYTES);
    expect(ARCHIVE_BODY_ENVELOPE_BYTES).toBeLessThanOrEqual(64 * 1024);
  });
});

describe('showValue', () => {
  it('clips long strings and describes objects without dumping them', () => {
    expect(showValue('y'.repeat(200))).toBe(`"${'y'.repeat(80)}"… (200 chars)`);
    expect(showValue({ a: 1, b: { deep: 'x'.repeat(1000) } })).toBe('(an object with keys "a", "b")');
    expect(showValue(undefined)).toBe('(missing)');
  });
});
