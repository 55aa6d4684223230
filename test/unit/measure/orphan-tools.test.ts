import { describe, expect, it } from 'vitest';
import { orphanVerdict, parseProcStat, parseRunningToolRecord, type RunningToolRecord } from '../../../src/measure/orphan-tools.js';
import { setprivToolMissing, withParentDeathSignal } from '../../../src/process/parent-death.js';

// A real /proc/<pid>/stat line (iperf3 client), and one whose command name holds ") (".
const STAT = '4242 (iperf3) S 4200 4242 4242 0 -1 4194560 160 0 0 0 0 0 0 0 20 0 1 0 987654 11776000 300 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 1 0 0 0 0 0';
const ODD = '77 (a) (b c) R 1 70 70 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 12345 0 0';

const record: RunningToolRecord = {
  host: 'h1', pid: 4242, pgid: 4242, startTime: '987654', workerPid: 4200, workerStartTime: '900000', command: 'iperf3 -c 127.0.0.1', startedAt: '2026-12-01T00:00:00Z',
};

describe('orphaned tools', () => {
  it('reads process group and start time from /proc/<pid>/stat, even with odd command names', () => {
    expect(parseProcStat(STAT)).toEqual({ pgrp: 4242, startTime: '987654' });
    expect(parseProcStat(ODD)).toEqual({ pgrp: 70, startTime: '12345' });
    expect(parseProcStat('garbage')).toBeNull();
  });

  it('kills only the very same tool of a dead worker on this host', () => {
    const tool = { pgrp: 4242, startTime: '987654' };
    expect(orphanVerdict(record, 'h1', null, tool)).toBe('kill');
    // the worker pid was reused by another process: the worker is still dead
    expect(orphanVerdict(record, 'h1', { pgrp: 1, startTime: '1' }, tool)).toBe('kill');
    expect(orphanVerdict(record, 'h1', { pgrp: 4200, startTime: '900000' }, tool)).toBe('in-use');
    // the tool pid was reused, or the tool is gone: only the record is stale
    expect(orphanVerdict(record, 'h1', null, { pgrp: 4242, startTime: '999999' })).toBe('stale');
    expect(orphanVerdict(record, 'h1', null, null)).toBe('stale');
    expect(orphanVerdict(record, 'other-host', null, tool)).toBe('foreign');
  });

  it('refuses records that are not records', () => {
    expect(parseRunningToolRecord(JSON.stringify(record))).toEqual(record);
    expect(parseRunningToolRecord('{')).toBeNull();
    expect(parseRunningToolRecord(JSON.stringify({ ...record, pgid: 1 }))).toBeNull(); // never kill(-1)
    expect(parseRunningToolRecord(JSON.stringify({ ...record, startTime: 5 }))).toBeNull();
  });

  it('runs a tool under setpriv --pdeathsig SIGKILL and recognises setpriv\'s "tool missing" answer', () => {
    expect(withParentDeathSignal('iperf3', ['-c', 'x'])).toEqual({ file: 'setpriv', args: ['--pdeathsig', 'SIGKILL', '--', 'iperf3', '-c', 'x'] });
    expect(setprivToolMissing(127, 'setpriv: failed to execute nonexistent-tool-xyz: No such file or directory\n')).toBe(true);
    expect(setprivToolMissing(1, 'setpriv: failed to execute x: No such file or directory')).toBe(false);
    expect(setprivToolMissing(127, 'something else')).toBe(false);
  });
});
