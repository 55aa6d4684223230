// Issue 10.10/10.11: the progress line, readable log lines and the terminal status line. Pure parts.
import { describe, expect, it } from 'vitest';
import { readConfig } from '../../../src/config/load-config.js';
import { formatLogLine } from '../../../src/log-line.js';
import { resolveLogFormat } from '../../../src/logger.js';
import { countDeliveries, formatProgress } from '../../../src/operations/round-progress.js';
import { StatusLine } from '../../../src/cli/status-line.js';

describe('formatProgress', () => {
  it('a round: measurements done/total by outcome, deliveries by state, elapsed time', () => {
    expect(
      formatProgress({
        measurements: { total: 8, succeeded: 2, failed: 1, skipped: 0 },
        deliveries: { delivered: 2, failed: 0, pending: 4 },
        elapsedMs: 62_500,
      }),
    ).toBe('measurements 3/8 done (2 ok, 1 failed, 0 skipped) · deliveries 2 accepted, 0 failed, 4 pending · 1:02');
  });

  it('replay and retry-failed: deliveries only', () => {
    expect(formatProgress({ measurements: null, deliveries: { delivered: 10, failed: 2, pending: 28 }, elapsedMs: 5_000 })).toBe(
      'deliveries 10 accepted, 2 failed, 28 pending · 0:05',
    );
  });

  it('countDeliveries', () => {
    expect(countDeliveries([{ state: 'delivered' }, { state: 'pending' }, { state: 'pending' }, { state: 'failed' }])).toEqual({ delivered: 1, failed: 1, pending: 2 });
  });
});

describe('formatLogLine', () => {
  it('time, level, message, then the fields that matter; the constant ones left out', () => {
    const line = JSON.stringify({ level: 40, time: '2026-12-01T17:02:09.123Z', service: 'psq', testpoint: 'tp', jobId: 'j1', reason: 'two words', n: 3, msg: 'measurement failed' });
    expect(formatLogLine(line)).toBe('17:02:09 WARN  measurement failed  jobId=j1 reason="two words" n=3');
  });

  it('an error shows its type and message on the same line, without the stack', () => {
    const line = JSON.stringify({ level: 50, time: '2026-12-01T17:02:09.123Z', err: { type: 'Error', message: 'boom', stack: 'Error: boom\n    at x (y.ts:1:2)' }, msg: 'psq failed' });
    expect(formatLogLine(line)).toBe('17:02:09 ERROR psq failed  err="Error: boom"');
  });

  it('stays one line; non-JSON passes through', () => {
    expect(formatLogLine(JSON.stringify({ level: 30, time: 't', msg: 'a\nb' }))).not.toContain('\n');
    expect(formatLogLine('not json')).toBe('not json');
  });
});

describe('LOG_FORMAT', () => {
  const load = (env: Record<string, string>) => readConfig({ HOSTS: '10.0.0.1', ...env }, { hostname: 'h', inContainer: false });

  it('auto by default; LOG_PRETTY=true means pretty; LOG_FORMAT wins; a bad value is a problem', () => {
    expect(load({}).config.logFormat).toBe('auto');
    expect(load({ LOG_PRETTY: 'true' }).config.logFormat).toBe('pretty');
    expect(load({ LOG_PRETTY: 'true', LOG_FORMAT: 'json' }).config.logFormat).toBe('json');
    expect(load({ LOG_FORMAT: 'fancy' }).problems.map((p) => p.variable)).toEqual(['LOG_FORMAT']);
  });

  it('auto is pretty at a terminal and JSON elsewhere (containers, systemd)', () => {
    expect(resolveLogFormat('auto', true)).toBe('pretty');
    expect(resolveLogFormat('auto', false)).toBe('json');
    expect(resolveLogFormat('json', true)).toBe('json');
    expect(resolveLogFormat('pretty', false)).toBe('pretty');
  });
});

describe('StatusLine', () => {
  it('log lines go above the status, which is redrawn under them and cut to the terminal width', () => {
    const out: string[] = [];
    const status = new StatusLine({ write: (t: string) => out.push(t), columns: 20 });
    status.write('first\n');
    status.set('measurements 1/2 done and more');
    status.write('second\n');
    status.clear();
    expect(out).toEqual(['first\n', '\r\x1b[2Kmeasurements 1/2 d…', '\r\x1b[2Ksecond\nmeasurements 1/2 d…', '\r\x1b[2K']);
  });
});
