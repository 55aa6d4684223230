import { describe, expect, it } from 'vitest';
import type { ArchiveJobData } from '../../../src/jobs/archive-job.js';
import { buildArchiveRequest, displayUrl, InvalidArchiveJobError } from '../../../src/archive/archive-request.js';

const BASE = 'https://archiver.example.org/ps';

function job(overrides: Partial<ArchiveJobData> = {}): ArchiveJobData {
  return {
    url: 'https://archiver.example.org/ps',
    category: 'rtt',
    body: {
      src: { ip: '10.0.0.1', name: 'ship-1' },
      dst: { ip: '192.0.2.7', name: 'shore' },
      direction: 'forward',
      ts: '2026-11-25T10:00:00Z',
      run_id: 'tp1-rtt-shore-forward-20261125T100000Z',
      raw: { succeeded: true, mean: 'PT0.012S' },
    },
    resultFile: '/data/rtt/x.json',
    testpoint: 'tp1',
    measurementSucceeded: true,
    ...overrides,
  };
}

describe('buildArchiveRequest', () => {
  it('posts to {base}/measurements/{category}?upsert=true', () => {
    expect(buildArchiveRequest(BASE, job(), null, 'r1').url).toBe('https://archiver.example.org/ps/measurements/rtt?upsert=true');
    expect(buildArchiveRequest('http://h:8080/ps/', job(), null, 'r1').url).toBe('http://h:8080/ps/measurements/rtt?upsert=true');
    expect(buildArchiveRequest('http://h', job(), null, 'r1').url).toBe('http://h/measurements/rtt?upsert=true');
  });

  it('posts to the archiver it is given, never to the url in the job data', () => {
    const req = buildArchiveRequest(BASE, job({ url: 'http://attacker.example/steal' }), 's3cret', 'r1');
    expect(req.url).toBe('https://archiver.example.org/ps/measurements/rtt?upsert=true');
  });

  it('sends exactly the archiver keys, dropping anything else in the job body', () => {
    const data = job();
    const withExtra = { ...data, body: { ...data.body, note: 'edited in dashboard' } } as ArchiveJobData;
    const body = JSON.parse(buildArchiveRequest(BASE, withExtra, null, 'r1').body) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(['src', 'dst', 'direction', 'ts', 'run_id', 'raw']);
    expect(body).toEqual(data.body);
  });

  it('adds the bearer token only when there is one', () => {
    expect(buildArchiveRequest(BASE, job(), 's3cret', 'r1').headers.authorization).toBe('Bearer s3cret');
    expect(buildArchiveRequest(BASE, job(), null, 'r1').headers).not.toHaveProperty('authorization');
    expect(buildArchiveRequest(BASE, job(), '', 'r1').headers).not.toHaveProperty('authorization');
  });

  it('sets JSON, request id and an Idempotency-Key that is stable across attempts', () => {
    const a = buildArchiveRequest(BASE, job(), 't', 'req-a').headers;
    const b = buildArchiveRequest(BASE, job(), 't', 'req-b').headers;
    expect(a['content-type']).toBe('application/json');
    expect(a['x-request-id']).toBe('req-a');
    expect(a['idempotency-key']).toBe(b['idempotency-key']);
    expect(a['idempotency-key']).toContain('tp1-rtt-shore-forward-20261125T100000Z');
    expect(a['idempotency-key']).toContain('2026-11-25T10:00:00Z');
  });

  it('refuses job data that cannot become a safe request', () => {
    const data = job();
    const cases: [string, ArchiveJobData][] = [
      ['not a url', data],
      ['file:///etc/passwd', data],
      [BASE, { ...data, category: 'bogus' } as unknown as ArchiveJobData],
      [BASE, { ...data, body: { ...data.body, ts: 'yesterday' } }],
      [BASE, { ...data, body: { ...data.body, run_id: '' } }],
      [BASE, { ...data, body: { ...data.body, run_id: 'a\r\nX-Evil: 1' } }],
      [BASE, { ...data, body: { ...data.body, ts: undefined } } as unknown as ArchiveJobData],
    ];
    for (const [url, c] of cases) expect(() => buildArchiveRequest(url, c, null, 'r'), `${url} ${JSON.stringify(c.body)}`).toThrow(InvalidArchiveJobError);
  });
});

describe('displayUrl', () => {
  it('strips credentials', () => {
    expect(displayUrl('https://user:pw@h/ps')).toBe('https://h/ps');
    expect(displayUrl('nope')).toBe('(invalid URL)');
  });
});
