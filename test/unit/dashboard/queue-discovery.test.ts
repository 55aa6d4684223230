// Which Redis keys reveal a deployment queue, and the order the board lists them in.
import { describe, expect, it } from 'vitest';
import { configuredQueueNames, isArchiveQueue, isDeploymentQueue, queueNameFromKey, sortQueueNames } from '../../../src/dashboard/queue-discovery.js';
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

describe('configuredQueueNames', () => {
  const config = { testpoint: 'tp-start', archiveUrls: ['https://b.example.org/ps', 'http://127.0.0.1:8080/ps'] };

  it("a stack that runs the testpoint's measure worker or scheduler: schedule, its measure and throughput queues, one per archiver", () => {
    const all = ['schedule', 'measure-tp-start', 'throughput-tp-start', archiveQueueName('http://127.0.0.1:8080/ps'), archiveQueueName('https://b.example.org/ps')];
    expect(configuredQueueNames(config, ['scheduler', 'measure', 'archive', 'dashboard'])).toEqual(all);
    expect(configuredQueueNames(config, ['measure', 'dashboard'])).toEqual(all);
    expect(configuredQueueNames(config, ['scheduler', 'dashboard'])).toEqual(all);
    for (const name of all) expect(isDeploymentQueue(name), name).toBe(true);
  });

  it('a dashboard running alone (central stack): no testpoint queues, its TESTPOINT is only a hostname default there', () => {
    expect(configuredQueueNames(config, ['dashboard'])).toEqual(['schedule', archiveQueueName('http://127.0.0.1:8080/ps'), archiveQueueName('https://b.example.org/ps')]);
    expect(configuredQueueNames({ testpoint: 'x', archiveUrls: [] }, ['dashboard', 'archive'])).toEqual(['schedule']);
  });
});
