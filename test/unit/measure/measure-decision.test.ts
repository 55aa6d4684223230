// The measure worker's decision, row by row: every outcome on a first and on the final attempt,
// with ARCHIVE_FAILED on and off, the busy-wait bound, shutdown, oversized, tool missing, skipped,
// and the reuse of an earlier run of the same attempt.
import { describe, expect, it } from 'vitest';
import { decideMeasureOutcome, type MeasureDecision, type MeasureFacts, type RunResult, type WhatHappened } from '../../../src/measure/measure-decision.js';
import { interpretResult } from '../../../src/measure/read-result.js';

const policy = { delayMs: 15_000, maxWaits: 2 };
const BUSY_ERROR = 'iperf3 returned an error: the server is busy running a test. try again later';

const read = (text: string | null): RunResult => ({ kind: 'read', content: interpretResult(text) });
const SUCCEEDED = read('{"schema":1,"succeeded":true,"result":{"loss":0}}');
const FAILED = read('{"schema":1,"succeeded":false,"error":"unreachable"}');
const FAILED_NO_ERROR = read('{"schema":1,"succeeded":false}');
const EMPTY_FILE = read('');
const BACKEND_NO_RESULT: RunResult = { kind: 'no-result', reason: 'timed out after 60 s' };
const BUSY = read(JSON.stringify({ schema: 1, succeeded: false, error: BUSY_ERROR }));

const ran = (result: RunResult, aborted = false): WhatHappened => ({ kind: 'ran', aborted, result, backendName: 'direct', diags: 'ping: sendmsg failed' });

interface Row {
  readonly name: string;
  readonly happened: WhatHappened;
  /** 'first' is attempt 1 of 3, 'final' attempt 3 of 3. */
  readonly attempt: 'first' | 'final';
  readonly archiveFailed: boolean;
  readonly busyWaits?: number;
  readonly expected: Partial<MeasureDecision> & Pick<MeasureDecision, 'kind'>;
}

const rows: Row[] = [];
const both = [true, false] as const;

// A succeeded result is the final record and archived, on any attempt, whatever ARCHIVE_FAILED says.
for (const attempt of ['first', 'final'] as const) {
  for (const archiveFailed of both) {
    rows.push({ name: `succeeded, ${attempt} attempt, ARCHIVE_FAILED=${archiveFailed}`, happened: ran(SUCCEEDED), attempt, archiveFailed,
      expected: { kind: 'record', succeeded: true, archived: true, failure: null, rawFrom: 'result', busyGaveUpAfter: null } });
  }
}
// A failed result: retried (kept, not archived) before the last attempt; then the final record, archived only with ARCHIVE_FAILED.
for (const archiveFailed of both) {
  rows.push({ name: `failed, first attempt, ARCHIVE_FAILED=${archiveFailed}`, happened: ran(FAILED), attempt: 'first', archiveFailed,
    expected: { kind: 'retry', cause: 'failed', failure: 'measurement failed: unreachable', busyGaveUpAfter: null } });
  rows.push({ name: `failed, final attempt, ARCHIVE_FAILED=${archiveFailed}`, happened: ran(FAILED), attempt: 'final', archiveFailed,
    expected: { kind: 'record', succeeded: false, archived: archiveFailed, failure: 'measurement failed: unreachable', rawFrom: 'result', busyGaveUpAfter: null } });
  rows.push({ name: `failed without an error, final attempt, ARCHIVE_FAILED=${archiveFailed}`, happened: ran(FAILED_NO_ERROR), attempt: 'final', archiveFailed,
    expected: { kind: 'record', succeeded: false, archived: archiveFailed, failure: 'measurement failed: succeeded is false (no error given)', rawFrom: 'result' } });
}
// No result (an empty output file, or a backend that did not complete): retried with nothing kept;
// on the last attempt a written failure record, archived only with ARCHIVE_FAILED.
for (const [what, result, reason] of [
  ['empty output file', EMPTY_FILE, 'the output file is empty'],
  ['backend gave no result', BACKEND_NO_RESULT, 'timed out after 60 s'],
] as const) {
  for (const archiveFailed of both) {
    rows.push({ name: `${what}, first attempt, ARCHIVE_FAILED=${archiveFailed}`, happened: ran(result), attempt: 'first', archiveFailed,
      expected: { kind: 'retry', cause: 'no-result', reason, failure: `no result: ${reason}` } });
    rows.push({ name: `${what}, final attempt, ARCHIVE_FAILED=${archiveFailed}`, happened: ran(result), attempt: 'final', archiveFailed,
      expected: { kind: 'record', succeeded: false, archived: archiveFailed, failure: `no result: ${reason}`, rawFrom: 'no-result-record' } });
  }
}
// iperf3's busy answer: a wait that uses up no attempt, below the bound, on any attempt; at the bound a failed result.
for (const attempt of ['first', 'final'] as const) {
  rows.push({ name: `busy, no wait yet, ${attempt} attempt`, happened: ran(BUSY), attempt, archiveFailed: true, busyWaits: 0,
    expected: { kind: 'wait', cause: 'busy', delayMs: 15_000, busyWaits: 1, maxBusyWaits: 2 } });
  rows.push({ name: `busy, one below the bound, ${attempt} attempt`, happened: ran(BUSY), attempt, archiveFailed: true, busyWaits: 1,
    expected: { kind: 'wait', cause: 'busy', delayMs: 15_000, busyWaits: 2, maxBusyWaits: 2 } });
}
rows.push({ name: 'busy at the bound, first attempt', happened: ran(BUSY), attempt: 'first', archiveFailed: true, busyWaits: 2,
  expected: { kind: 'retry', cause: 'failed', failure: `measurement failed: ${BUSY_ERROR}`, busyGaveUpAfter: 2 } });
for (const archiveFailed of both) {
  rows.push({ name: `busy at the bound, final attempt, ARCHIVE_FAILED=${archiveFailed}`, happened: ran(BUSY), attempt: 'final', archiveFailed, busyWaits: 2,
    expected: { kind: 'record', succeeded: false, archived: archiveFailed, failure: `measurement failed: ${BUSY_ERROR}`, rawFrom: 'result', busyGaveUpAfter: 2 } });
}
// A shutdown during the run: run again in 1 s without using up an attempt, whatever the run gave.
for (const [what, result] of [['succeeded', SUCCEEDED], ['failed', FAILED], ['no result', BACKEND_NO_RESULT], ['busy', BUSY], ['oversized', { kind: 'oversized' }], ['tool missing', { kind: 'tool-missing', message: 'iperf3 is not installed' }]] as const) {
  rows.push({ name: `aborted by shutdown, ${what}, final attempt`, happened: ran(result, true), attempt: 'final', archiveFailed: true,
    expected: { kind: 'wait', cause: 'shutdown', delayMs: 1000 } });
}
// Retrying cannot help: refused for good on any attempt.
for (const attempt of ['first', 'final'] as const) {
  rows.push({ name: `oversized, ${attempt} attempt`, happened: ran({ kind: 'oversized' }), attempt, archiveFailed: true, expected: { kind: 'refuse', cause: 'oversized' } });
  rows.push({ name: `tool missing, ${attempt} attempt`, happened: ran({ kind: 'tool-missing', message: 'iperf3 is not installed' }), attempt, archiveFailed: true,
    expected: { kind: 'refuse', cause: 'tool-missing', reason: 'iperf3 is not installed' } });
  rows.push({ name: `not measurable with this backend, ${attempt} attempt`, happened: { kind: 'unsupported', reason: 'clock needs pScheduler' }, attempt, archiveFailed: true,
    expected: { kind: 'skip', reason: 'clock needs pScheduler' } });
}
// An earlier run of this very attempt (it lost the job lock): end as it did, archived as it was (ARCHIVE_FAILED is not asked again).
for (const attempt of ['first', 'final'] as const) {
  rows.push({ name: `measured before, succeeded, ${attempt} attempt`, happened: { kind: 'measured-before', succeeded: true, archived: true, failure: null }, attempt, archiveFailed: false,
    expected: { kind: 'reuse', succeeded: true, archived: true, failure: null } });
}
rows.push({ name: 'measured before, failed, first attempt', happened: { kind: 'measured-before', succeeded: false, archived: false, failure: 'measurement failed: unreachable' }, attempt: 'first', archiveFailed: true,
  expected: { kind: 'retry', cause: 'measured-before', failure: 'measurement failed: unreachable' } });
for (const archived of both) {
  rows.push({ name: `measured before, failed, final attempt, archived then=${archived}`, happened: { kind: 'measured-before', succeeded: false, archived, failure: 'no result: x' }, attempt: 'final', archiveFailed: !archived,
    expected: { kind: 'reuse', succeeded: false, archived, failure: 'no result: x' } });
}
rows.push({ name: 'measured before, failed without a recorded failure, final attempt', happened: { kind: 'measured-before', succeeded: false, archived: true, failure: null }, attempt: 'final', archiveFailed: true,
  expected: { kind: 'reuse', succeeded: false, archived: true, failure: 'measurement failed' } });

function facts(row: Row): MeasureFacts {
  return {
    happened: row.happened,
    attempt: row.attempt === 'first' ? 1 : 3,
    maxAttempts: 3,
    archiveFailed: row.archiveFailed,
    busyWaits: row.busyWaits ?? 0,
    busyWait: policy,
  };
}

describe('the measure decision', () => {
  for (const row of rows) {
    it(row.name, () => {
      expect(decideMeasureOutcome(facts(row))).toMatchObject(row.expected);
    });
  }

  it('a record or a retried failure carries the result the tool wrote', () => {
    const record = decideMeasureOutcome({ ...facts(rows[0]!), happened: ran(SUCCEEDED) });
    expect(record).toMatchObject({ kind: 'record', raw: { schema: 1, succeeded: true, result: { loss: 0 } } });
    const retry = decideMeasureOutcome({ ...facts(rows[0]!), happened: ran(FAILED) });
    expect(retry).toMatchObject({ kind: 'retry', raw: { schema: 1, succeeded: false, error: 'unreachable' } });
  });

  it('the last attempt without a result writes a record in pScheduler failure shape, with the tool chatter, clipped', () => {
    const decision = decideMeasureOutcome({
      happened: { kind: 'ran', aborted: false, result: BACKEND_NO_RESULT, backendName: 'direct', diags: 'x'.repeat(20_000) },
      attempt: 2, maxAttempts: 2, archiveFailed: true, busyWaits: 0, busyWait: policy,
    });
    expect(decision.kind).toBe('record');
    if (decision.kind !== 'record') return;
    expect(Object.keys(decision.raw)).toEqual(['schema', 'succeeded', 'error', 'diags']);
    expect(decision.raw).toMatchObject({ schema: 1, succeeded: false, error: 'no result: timed out after 60 s' });
    const diags = decision.raw['diags'] as string;
    expect(diags.startsWith('written by perfsonar-queue: direct produced no result\nxxx')).toBe(true);
    expect(diags.endsWith('…(20000 chars)')).toBe(true);
    expect(diags.length).toBeLessThan(17 * 1024);
  });

  it('quotes a failed result error in the failure clipped to 1000 characters', () => {
    const decision = decideMeasureOutcome({ ...facts(rows[0]!), happened: ran(read(JSON.stringify({ succeeded: false, error: 'e'.repeat(5000) }))) });
    expect(decision.kind).toBe('retry');
    expect(decision.kind === 'retry' && decision.failure).toBe(`measurement failed: ${'e'.repeat(1000)}…(5000 chars)`);
  });

  it('a single attempt is the final one, and so is an attempt past maxAttempts', () => {
    for (const [attempt, maxAttempts] of [[1, 1], [4, 3]] as const) {
      const decision = decideMeasureOutcome({ happened: ran(FAILED), attempt, maxAttempts, archiveFailed: true, busyWaits: 0, busyWait: policy });
      expect(decision).toMatchObject({ kind: 'record', succeeded: false, archived: true });
    }
    expect(decideMeasureOutcome({ happened: ran(FAILED), attempt: 2, maxAttempts: 3, archiveFailed: true, busyWaits: 0, busyWait: policy }).kind).toBe('retry');
  });
});
