// BullMQ's lost-lock errors become one warning per job and kind; other errors pass through.
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/logger.js';
import { lockLossLogger, lockLossOf } from '../../../src/queues/lock-loss.js';

describe('lockLossOf', () => {
  it("recognises BullMQ's three lost-lock messages and takes the job id", () => {
    expect(lockLossOf(new Error('could not renew lock for job tp__rtt__auto__10.0.0.1__forward__1796140000000'))).toEqual({
      jobId: 'tp__rtt__auto__10.0.0.1__forward__1796140000000',
      kind: 'renew',
    });
    expect(lockLossOf(new Error('Missing lock for job j1. moveToFinished'))).toEqual({ jobId: 'j1', kind: 'finish' });
    expect(lockLossOf(new Error('Lock mismatch for job j.2. Cmd moveToFinished from active'))).toEqual({ jobId: 'j.2', kind: 'finish' });
  });

  it('leaves other errors alone', () => {
    expect(lockLossOf(new Error('Connection is closed.'))).toBeNull();
    expect(lockLossOf(new Error('Missing key for job j1. moveToFinished'))).toBeNull();
  });
});

describe('lockLossLogger', () => {
  function capture() {
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger({ level: 'info', destination: { write: (l: string) => void lines.push(JSON.parse(l) as Record<string, unknown>) } } as never);
    return { lines, logger };
  }

  it('logs one warning per job and kind however often BullMQ repeats it, and says it is not a failure', () => {
    const { lines, logger } = capture();
    const handle = lockLossLogger(logger, 'measure-tp');
    for (let i = 0; i < 20; i++) expect(handle(new Error('could not renew lock for job j1'))).toBe(true);
    expect(handle(new Error('Missing lock for job j1. moveToFinished'))).toBe(true);
    expect(handle(new Error('could not renew lock for job j2'))).toBe(true);
    expect(handle(new Error('something else'))).toBe(false);
    expect(lines.map((l) => [l['level'], l['jobId']])).toEqual([
      [40, 'j1'],
      [40, 'j1'],
      [40, 'j2'],
    ]);
    expect(String(lines[1]!['msg'])).toContain('not a failure');
  });

  it('stays bounded: old job ids are forgotten', () => {
    const { lines, logger } = capture();
    const handle = lockLossLogger(logger, 'q', 2);
    for (const id of ['a', 'b', 'c', 'a']) handle(new Error(`could not renew lock for job ${id}`));
    expect(lines.map((l) => l['jobId'])).toEqual(['a', 'b', 'c', 'a']);
  });
});
