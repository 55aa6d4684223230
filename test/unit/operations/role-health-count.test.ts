// Counting a queue's workers in CLIENT LIST as bullmq's Queue.getWorkersCount does (role-health.ts).
import { describe, expect, it } from 'vitest';
import { countWorkers, workerClientName, workersFromReply } from '../../../src/operations/role-health.js';
import { RedisReplyError } from '../../../src/queues/redis-wire.js';

const line = (id: number, name: string) => `id=${id} addr=127.0.0.1:${5000 + id} laddr=127.0.0.1:6379 fd=8 name=${name} age=3 idle=0 flags=N db=0 cmd=bzpopmin`;

describe('countWorkers', () => {
  const schedule = workerClientName('psq', 'schedule');
  const measure = workerClientName('psq', 'measure-tp');
  it('counts unnamed and named worker connections per queue, nothing else', () => {
    expect(schedule).toBe(`psq:${Buffer.from('schedule').toString('base64')}`);
    const list = [
      line(1, schedule),
      line(2, `${schedule}:w:worker-a`),
      line(3, measure),
      line(4, `${schedule}:qe`), // QueueEvents, not a worker
      line(5, `other:${Buffer.from('schedule').toString('base64')}`), // another prefix
      line(6, ''),
      'id=7 addr=127.0.0.1:1 fd=9 age=1',
      '',
    ].join('\n');
    expect(countWorkers(list, ['schedule', 'measure-tp', 'throughput-tp'], 'psq')).toEqual({ schedule: 2, 'measure-tp': 1, 'throughput-tp': 0 });
  });

  it('a server without CLIENT counts as one worker (as bullmq does); another refusal is the answer', () => {
    expect(workersFromReply(new RedisReplyError("ERR unknown command 'client'"), ['schedule'], 'psq')).toEqual({ schedule: 1 });
    expect(() => workersFromReply(new RedisReplyError('NOPERM this user has no permissions to run the client command'), ['schedule'], 'psq')).toThrow(/NOPERM/);
  });
});
