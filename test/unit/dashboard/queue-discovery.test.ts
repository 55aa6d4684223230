// Which Redis keys reveal a deployment queue, and the order the board lists them in.
import { describe, expect, it } from 'vitest';
import { isArchiveQueue, isDeploymentQueue, queueNameFromKey, sortQueueNames } from '../../../src/dashboard/queue-discovery.js';
import { archiveQueueName } from '../../../src/queues/queue-names.js';

describe('queueNameFromKey', () => {
  it('reads the queue from meta and id keys under the prefix', () => {
    expect(queueNameFromKey('psq', 'psq:measure-tp1:meta')).toBe('measure-tp1');
    expect(queueNameFromKey('psq', 'psq:throughput-ship_7:id')).toBe('throughput-ship_7');
    expect(queueNameFromKey('psq', 'psq:schedule:meta')).toBe('schedule');
    expect(queueNameFromKey('psq', `psq:${archiveQueueName('https://a.example.org/ps')}:meta`)).toBe(archiveQueueName('https://a.example.org/ps'));
  });

  it('ignores other prefixes, other key kinds and foreign queues', () => {
    expect(queueNameFromKey('psq', 'other:measure-tp1:meta')).toBeNull();
    expect(queueNameFromKey('psq', 'psq:measure-tp1:wait')).toBeNull();
    expect(queueNameFromKey('psq', 'psq:measure-tp1:idempotent')).toBeNull();
    expect(queueNameFromKey('psq', 'psq:emails:meta')).toBeNull();
    expect(queueNameFromKey('psq', 'psq:measure-tp1:job:meta')).toBeNull();
  });
});

describe('deployment queues', () => {
  it('knows the names the deployment uses', () => {
    for (const n of ['schedule', 'archive', 'measure-a', 'throughput-a.b_c', archiveQueueName('http://127.0.0.1:8080/ps')]) {
      expect(isDeploymentQueue(n), n).toBe(true);
    }
    for (const n of ['measure-', 'bull', 'measure-a b', 'archiver']) expect(isDeploymentQueue(n), n).toBe(false);
    expect(isArchiveQueue('archive')).toBe(true);
    expect(isArchiveQueue('measure-archive')).toBe(false);
  });

  it('lists schedule first, testpoints together, archive queues last', () => {
    expect(sortQueueNames(['archive-b-1', 'throughput-tp2', 'measure-tp2', 'schedule', 'measure-tp1', 'throughput-tp1', 'schedule'])).toEqual([
      'schedule',
      'measure-tp1',
      'throughput-tp1',
      'measure-tp2',
      'throughput-tp2',
      'archive-b-1',
    ]);
  });
});
