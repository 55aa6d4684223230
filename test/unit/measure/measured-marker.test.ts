// The marker that lets a re-run of the same attempt reuse its result instead of measuring again.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expiredDays, findEarlierRun, markerPath, MEASURED_DIR, pruneMeasuredMarkers, recordMeasured, slotDay } from '../../../src/measure/measured-marker.js';

const JOB = 'tp-a__rtt__auto__10.0.0.1__forward__1796140800000'; // slot 2026-12-01T…

describe('marker location (pure)', () => {
  it("is filed under the day of the job's slot, named by a hash of the job id", () => {
    expect(slotDay(JOB)).toBe(new Date(1796140800000).toISOString().slice(0, 10));
    expect(slotDay('hand-made-id')).toBe('unslotted');
    const p = markerPath('/data', JOB);
    expect(p.startsWith(join('/data', MEASURED_DIR, slotDay(JOB)))).toBe(true);
    expect(p).toMatch(/\/[0-9a-f]{64}\.json$/);
    expect(markerPath('/data', JOB)).toBe(p);
    expect(markerPath('/data', `${JOB}x`)).not.toBe(p);
  });

  it('expires whole days older than the kept span and nothing else', () => {
    const now = Date.parse('2026-12-10T12:00:00Z');
    expect(expiredDays(['2026-12-01', '2026-12-02', '2026-12-03', '2026-12-10', 'unslotted', 'junk'], now, 8)).toEqual(['2026-12-01']);
  });
});

describe('recordMeasured / findEarlierRun', () => {
  let dir: string;
  let file: string;
  const meta = { run_id: 'r-1', ts: '2026-12-01T10:00:00Z', measureJobId: JOB, succeeded: true, archived: true };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'psq-marker-'));
    file = join(dir, 'rtt', 'a@10.0.0.1_auto_20261201-100000Z_forward.json');
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, '{"schema":1,"succeeded":true}\n');
    writeFileSync(`${file}.meta`, `${JSON.stringify(meta)}\n`);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('finds the result of the same attempt, with its meta and raw result', async () => {
    await recordMeasured(dir, JOB, 0, file, null);
    const earlier = await findEarlierRun(dir, JOB, 0);
    expect(earlier).toEqual({ file, meta, raw: { schema: 1, succeeded: true }, failure: null });
  });

  it('keeps the failure text of a failed measurement', async () => {
    await recordMeasured(dir, JOB, 1, file, 'measurement failed: unreachable');
    expect((await findEarlierRun(dir, JOB, 1))?.failure).toBe('measurement failed: unreachable');
  });

  it('a retry (another attempt) or another job measures anew', async () => {
    await recordMeasured(dir, JOB, 0, file, null);
    expect(await findEarlierRun(dir, JOB, 1)).toBeNull();
    expect(await findEarlierRun(dir, JOB.replace('forward', 'reverse'), 0)).toBeNull();
  });

  it('a marker whose result or meta is gone or unreadable counts as none', async () => {
    await recordMeasured(dir, JOB, 0, file, null);
    writeFileSync(`${file}.meta`, '{not json');
    expect(await findEarlierRun(dir, JOB, 0)).toBeNull();
    rmSync(`${file}.meta`);
    expect(await findEarlierRun(dir, JOB, 0)).toBeNull();
  });

  it('a relative DATA_DIR (the default ./data) works the same', async () => {
    const rel = relative(process.cwd(), dir);
    const relFile = join(rel, 'rtt', 'a@10.0.0.1_auto_20261201-100000Z_forward.json');
    await recordMeasured(rel, JOB, 0, relFile, null);
    expect((await findEarlierRun(rel, JOB, 0))?.file).toBe(relFile);
  });

  it('pruning removes old days and old unslotted markers, and keeps recent ones', async () => {
    await recordMeasured(dir, JOB, 0, file, null);
    await recordMeasured(dir, 'hand-made', 0, file, null);
    const root = join(dir, MEASURED_DIR);
    mkdirSync(join(root, '2020-01-01'));
    writeFileSync(join(root, '2020-01-01', 'x.json'), '{}');
    const now = Date.parse(`${slotDay(JOB)}T12:00:00Z`);
    expect(await pruneMeasuredMarkers(dir, now)).toBe(1);
    expect(readdirSync(root).sort()).toEqual([slotDay(JOB), 'unslotted']);
    const old = new Date(now - 30 * 86_400_000);
    for (const n of readdirSync(join(root, 'unslotted'))) utimesSync(join(root, 'unslotted', n), old, old);
    await pruneMeasuredMarkers(dir, now);
    expect(readdirSync(join(root, 'unslotted'))).toEqual([]);
    expect(await findEarlierRun(dir, JOB, 0)).not.toBeNull();
  });
});
