import { describe, expect, it } from 'vitest';
import { fileTimestamp, measurementTs, metaPath, resultPath, safeName } from '../../../src/keep/result-path.js';
import type { MeasurementSpec } from '../../../src/plan/measurement-spec.js';

const spec: MeasurementSpec = {
  testpoint: 'tp1',
  category: 'latency',
  tool: 'halfping',
  dest: { ip: '2001:db8::10', name: 'beta' },
  source: null,
  direction: 'forward',
  args: [],
};
const at = new Date('2026-11-25T10:00:07.123Z');

describe('result paths (cron runner compatible)', () => {
  it('DATA_DIR/<category>/<name>@<dest>_<tool>_<YYYYMMDD-HHMMSSZ>_<direction>.json', () => {
    expect(resultPath('/data', spec, at)).toBe('/data/latency/beta@2001_db8__10_halfping_20261125-100007Z_forward.json');
  });

  it('auto when pScheduler picks the tool, and reverse in the name', () => {
    expect(resultPath('./data', { ...spec, tool: null, direction: 'reverse' }, at)).toBe('data/latency/beta@2001_db8__10_auto_20261125-100007Z_reverse.json');
  });

  it('replaces : / @ | , like the cron runner', () => {
    expect(safeName('a:b/c@d|e,f')).toBe('a_b_c_d_e_f');
  });

  it('timestamps are UTC', () => {
    expect(fileTimestamp(new Date('2026-01-02T03:04:05+02:00'))).toBe('20260102-010405Z');
    expect(measurementTs(at)).toBe('2026-11-25T10:00:07Z');
  });

  it('meta sits beside the result and does not end in .json (so it is never read as a result)', () => {
    expect(metaPath('/d/x.json')).toBe('/d/x.json.meta');
  });
});
