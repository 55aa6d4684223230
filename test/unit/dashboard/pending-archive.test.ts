// Reading an archive job's archiver and measurement time from the first bytes of its data.
import { describe, expect, it } from 'vitest';
import { readJobHead } from '../../../src/dashboard/pending-archive.js';

const data = {
  url: 'https://archiver.example.org/ps',
  category: 'throughput',
  body: { src: { ip: '198.51.100.1', name: 'tp' }, dst: { ip: '192.0.2.1', name: 'a' }, direction: 'forward', ts: '2026-11-25T10:00:00Z', run_id: 'r', raw: { intervals: 'x'.repeat(5000) } },
};

describe('readJobHead', () => {
  it('parses whole data exactly', () => {
    expect(readJobHead(JSON.stringify(data))).toEqual({ url: data.url, tsMs: Date.parse('2026-11-25T10:00:00Z') });
  });

  it('reads url and ts from a truncated head, before the raw result', () => {
    expect(readJobHead(JSON.stringify(data).slice(0, 400))).toEqual({ url: data.url, tsMs: Date.parse('2026-11-25T10:00:00Z') });
  });

  it('unescapes JSON strings and gives null for what is missing or unparseable', () => {
    expect(readJobHead('{"url":"https:\\/\\/a.example\\/ps","body":{"ts":"not a time"').url).toBe('https://a.example/ps');
    expect(readJobHead('{"url":"https://a/ps","body":{"ts":"not a time"}}').tsMs).toBeNull();
    expect(readJobHead('garbage')).toEqual({ url: null, tsMs: null });
  });
});
