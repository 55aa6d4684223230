// psq status from raw Redis readings: up/down per worker and testpoint, rounds, success ratios,
// queue depth, which testpoints are shown and the exit status. Pure.
import { describe, expect, it } from 'vitest';
import {
  downAfterMs,
  parseWorkerInfo,
  statusReport,
  testpointStatus,
  testpointsToShow,
  workerStatus,
  type RawTestpoint,
  type WorkerInfo,
} from '../../../src/operations/testpoint-status.js';
import { roundOutcome } from '../../../src/operations/testpoint-status-rounds.js';
import { testpointKeyRoot, testpointKeys, workerMember } from '../../../src/operations/testpoint-status-keys.js';

const NOW = Date.parse('2026-12-01T12:00:00Z');
const info = (over: Partial<WorkerInfo> = {}): string =>
  JSON.stringify({ testpoint: 'tp-a', host: 'ship-7', pid: 4242, version: '0.1.0', backend: 'direct', startedAtMs: NOW - 3_600_000, intervalMs: 10_000, state: 'running', ...over });
const worker = (ageMs: number, over: Partial<WorkerInfo> = {}) => ({ member: 'ship-7:4242', lastSeenMs: NOW - ageMs, info: info(over) });
const tp = (over: Partial<RawTestpoint> = {}): RawTestpoint => ({ testpoint: 'tp-a', configured: true, workers: [], rounds: {}, queues: [], ...over });

describe('down after two heartbeats', () => {
  it.each([
    [10_000, 21_000],
    [1_000, 2_250],
    [200, 450],
    [60_000, 121_000],
  ])('interval %i ms → down after %i ms of silence', (interval, expected) => {
    expect(downAfterMs(interval)).toBe(expected);
  });

  it.each([
    ['just beat', 0, 'running', 'up'],
    ['one beat missed', 15_000, 'running', 'up'],
    ['at the limit', 21_000, 'running', 'up'],
    ['past the limit', 21_001, 'running', 'down'],
    ['hours silent', 3 * 3_600_000, 'running', 'down'],
    ['stopped cleanly, just now', 0, 'stopped', 'stopped'],
  ] as const)('%s: age %i ms, last said %s → %s', (_what, age, state, expected) => {
    expect(workerStatus(worker(age, { state }), NOW)?.state).toBe(expected);
  });

  it('the interval comes from each worker: a fast-beating worker is down sooner', () => {
    expect(workerStatus(worker(3_000, { intervalMs: 1_000 }), NOW)?.state).toBe('down');
    expect(workerStatus(worker(3_000, { intervalMs: 10_000 }), NOW)?.state).toBe('up');
  });
});

describe('worker descriptions read back from Redis', () => {
  it('a well-formed one', () => {
    expect(parseWorkerInfo(info())).toEqual({ testpoint: 'tp-a', host: 'ship-7', pid: 4242, version: '0.1.0', backend: 'direct', startedAtMs: NOW - 3_600_000, intervalMs: 10_000, state: 'running' });
  });
  it.each([
    ['not JSON', '{'],
    ['an array', '[]'],
    ['no pid', JSON.stringify({ ...JSON.parse(info()), pid: undefined })],
    ['a negative pid', info({ pid: -1 })],
    ['interval 0', info({ intervalMs: 0 })],
    ['an unknown state', info({ state: 'zombie' as never })],
    ['no host', info({ host: '' })],
    ['too long', JSON.stringify({ ...JSON.parse(info()), pad: 'x'.repeat(5000) })],
    ['null', null],
  ])('%s → ignored', (_what, raw) => {
    expect(parseWorkerInfo(raw)).toBeNull();
  });
  it('control characters are neutralised and lengths bounded', () => {
    const parsed = parseWorkerInfo(info({ host: 'evil\x1b[2Jhost', version: 'v'.repeat(100) }));
    expect(parsed?.host).toBe('evil?[2Jhost');
    expect(parsed?.version).toHaveLength(64);
  });
});

describe('testpoint status', () => {
  it('up when any worker beats; the newest heartbeat and every worker are shown, newest first', () => {
    const s = testpointStatus(tp({ workers: [worker(60_000), { member: 'ship-8:7', lastSeenMs: NOW - 2_000, info: info({ host: 'ship-8', pid: 7 }) }] }), NOW);
    expect(s.up).toBe(true);
    expect(s.lastHeartbeat).toBe('2026-12-01T11:59:58.000Z');
    expect(s.heartbeatAgeS).toBe(2);
    expect(s.workers.map((w) => [w.host, w.pid, w.state])).toEqual([['ship-8', 7, 'up'], ['ship-7', 4242, 'down']]);
    expect(s.workers[0]).toMatchObject({ backend: 'direct', version: '0.1.0', intervalS: 10 });
  });
  it('down when every worker is silent or stopped, or none ever beat', () => {
    expect(testpointStatus(tp({ workers: [worker(30_000)] }), NOW).up).toBe(false);
    expect(testpointStatus(tp({ workers: [worker(0, { state: 'stopped' })] }), NOW).up).toBe(false);
    const never = testpointStatus(tp(), NOW);
    expect(never).toMatchObject({ up: false, lastHeartbeat: null, heartbeatAgeS: null, workers: [], lastRound: null, categories: [] });
  });
  it('a malformed worker entry is skipped, but its beat still counts as the last heartbeat seen', () => {
    const s = testpointStatus(tp({ workers: [{ member: 'x:1', lastSeenMs: NOW - 1_000, info: 'garbage' }] }), NOW);
    expect(s.workers).toEqual([]);
    expect(s.up).toBe(false);
    expect(s.heartbeatAgeS).toBe(1);
  });

  it('per-category success over the recorded rounds; skipped and dropped are not measured', () => {
    const s = testpointStatus(
      tp({
        rounds: {
          rtt: [
            { slotMs: NOW - 600_000, fields: { succeeded: '4', failed: '1' } },
            { slotMs: NOW - 300_000, fields: { succeeded: '5', dropped: '2' } },
          ],
          throughput: [{ slotMs: NOW - 21_600_000, fields: { failed: '2' } }],
          clock: [{ slotMs: NOW - 300_000, fields: { skipped: '3' } }],
        },
      }),
      NOW,
    );
    expect(s.categories).toEqual([
      { category: 'rtt', rounds: 2, succeeded: 9, failed: 1, skipped: 0, dropped: 2, successRatio: 0.9 },
      { category: 'throughput', rounds: 1, succeeded: 0, failed: 2, skipped: 0, dropped: 0, successRatio: 0 },
      { category: 'clock', rounds: 1, succeeded: 0, failed: 0, skipped: 3, dropped: 0, successRatio: null },
    ]);
  });

  it('the last round: newest slot over all categories, earliest start and latest end among them', () => {
    const slot = NOW - 300_000;
    const s = testpointStatus(
      tp({
        rounds: {
          rtt: [
            { slotMs: NOW - 600_000, fields: { succeeded: '1', start: String(NOW - 590_000), end: String(NOW - 400_000) } },
            { slotMs: slot, fields: { succeeded: '2', failed: '1', start: String(slot + 5_000), end: String(slot + 60_000) } },
          ],
          trace: [{ slotMs: slot, fields: { succeeded: '1', start: String(slot + 1_000), end: String(slot + 30_000) } }],
          clock: [{ slotMs: slot, fields: { skipped: '1' } }],
        },
      }),
      NOW,
    );
    expect(s.lastRound).toEqual({ slot: '2026-12-01T11:55:00.000Z', start: '2026-12-01T11:55:01.000Z', end: '2026-12-01T11:56:00.000Z', finished: 5 });
  });
  it('a round hash with junk numbers counts them as nothing', () => {
    const s = testpointStatus(tp({ rounds: { rtt: [{ slotMs: NOW, fields: { succeeded: 'lots', failed: '-3', start: 'soon' } }] } }), NOW);
    expect(s.categories[0]).toMatchObject({ succeeded: 0, failed: 0, successRatio: null });
    expect(s.lastRound).toMatchObject({ start: null, end: null, finished: 0 });
  });

  it('queue depth over both queues; the oldest waiting job counts from when it could run', () => {
    const s = testpointStatus(
      tp({
        queues: [
          { name: 'measure-tp-a', waiting: 3, prioritized: 1, active: 2, delayed: 5, oldestWaiting: { timestamp: String(NOW - 120_000), delay: '60000' } },
          { name: 'throughput-tp-a', waiting: 1, prioritized: 0, active: 0, delayed: 0, oldestWaiting: { timestamp: String(NOW - 90_000), delay: '0' } },
        ],
      }),
      NOW,
    );
    expect(s.queue).toEqual({ waiting: 5, active: 2, delayed: 5, oldestWaitingSince: '2026-12-01T11:58:30.000Z', oldestWaitingAgeS: 90 });
  });
  it('nothing waiting: no oldest', () => {
    const s = testpointStatus(tp({ queues: [{ name: 'measure-tp-a', waiting: 0, prioritized: 0, active: 1, delayed: 0, oldestWaiting: null }] }), NOW);
    expect(s.queue).toEqual({ waiting: 0, active: 1, delayed: 0, oldestWaitingSince: null, oldestWaitingAgeS: null });
  });
});

describe('the report and its exit status', () => {
  it.each([
    ['every configured testpoint up', [tp({ workers: [worker(0)] })], true],
    ['one configured testpoint down', [tp({ workers: [worker(0)] }), tp({ testpoint: 'tp-b', workers: [worker(60_000)] })], false],
    ['a testpoint only found in Redis is down: not counted', [tp({ workers: [worker(0)] }), tp({ testpoint: 'old', configured: false })], true],
    ['nothing configured', [], true],
  ] as const)('%s → ok %s', (_what, testpoints, ok) => {
    expect(statusReport({ nowMs: NOW, testpoints }).ok).toBe(ok);
  });
  it('testpoints sorted by id, time from the given clock', () => {
    const r = statusReport({ nowMs: NOW, testpoints: [tp({ testpoint: 'zulu' }), tp({ testpoint: 'alpha' })] });
    expect(r.now).toBe('2026-12-01T12:00:00.000Z');
    expect(r.testpoints.map((t) => t.testpoint)).toEqual(['alpha', 'zulu']);
  });
});

describe('which testpoints are shown', () => {
  it('configured first, then those whose queues exist, each once', () => {
    expect(testpointsToShow(['tp-a'], ['schedule', 'measure-tp-a', 'throughput-tp-a', 'measure-tp-b', 'throughput-tp-c', 'archive-x-12345678'])).toEqual([
      { testpoint: 'tp-a', configured: true },
      { testpoint: 'tp-b', configured: false },
      { testpoint: 'tp-c', configured: false },
    ]);
  });
  it('a configured testpoint without queues yet is still shown', () => {
    expect(testpointsToShow(['new'], [])).toEqual([{ testpoint: 'new', configured: true }]);
  });
});

describe('round outcomes', () => {
  it.each([
    [{ state: 'failed' } as const, 'failed'],
    [{ state: 'completed', returnvalue: { succeeded: true, skipped: null } } as const, 'succeeded'],
    [{ state: 'completed', returnvalue: { succeeded: false, skipped: null } } as const, 'failed'],
    [{ state: 'completed', returnvalue: { succeeded: false, skipped: 'clock needs pScheduler' } } as const, 'skipped'],
    [{ state: 'completed', returnvalue: { succeeded: false, skipped: 'round over', dropped: true } } as const, 'dropped'],
    [{ state: 'completed', returnvalue: null } as const, 'failed'],
  ])('%j → %s', (finished, expected) => {
    expect(roundOutcome(finished)).toBe(expected);
  });
});

describe('key layout', () => {
  it("everything of a testpoint is under <prefix>:tp:<testpoint>:, so one ACL pattern covers it", () => {
    const k = testpointKeys('psq', 'ship-7');
    const root = testpointKeyRoot('psq', 'ship-7');
    expect(root).toBe('psq:tp:ship-7:');
    for (const key of [k.workers, k.workerInfo, k.rounds('rtt'), k.round('throughput', 1700000000000), k.roundKeyBase('mtu')]) expect(key.startsWith(root)).toBe(true);
    expect(k.round('rtt', 5)).toBe(`${k.roundKeyBase('rtt')}5`);
    // A testpoint whose id starts like another's cannot reach into its keys.
    expect(k.workers.startsWith(testpointKeyRoot('psq', 'ship'))).toBe(false);
  });
  it('worker members: host and pid; a ":" in the host cannot fake another pid', () => {
    expect(workerMember('ship-7', 42)).toBe('ship-7:42');
    expect(workerMember('a:1', 2)).toBe('a_1:2');
  });
});
