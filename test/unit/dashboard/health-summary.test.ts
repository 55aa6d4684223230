// What /healthz shows without valid credentials: up/down and totals, no queue names or roles.
import { describe, expect, it } from 'vitest';
import { summarizeHealth, type HealthCounts } from '../../../src/dashboard/health.js';

const counts = (c: Partial<HealthCounts>): HealthCounts => ({ waiting: 0, active: 0, delayed: 0, failed: 0, completed: 0, workers: 0, ...c });

describe('summarizeHealth', () => {
  it('adds up the queues and drops their names and the roles', () => {
    const summary = summarizeHealth({
      status: 'ok',
      redis: 'ok',
      roles: ['measure', 'dashboard'],
      queues: {
        'measure-tp-secret': counts({ waiting: 3, active: 1, workers: 1 }),
        'throughput-tp-secret': counts({ delayed: 2, failed: 4, workers: 1 }),
        'archive-arch.example.org-1a2b3c4d': counts({ completed: 9, failed: 1, workers: 2 }),
      },
    });
    expect(summary).toEqual({ status: 'ok', redis: 'ok', queues: 3, workersConnected: 4, waiting: 3, active: 1, delayed: 2, failed: 5, completed: 9 });
    expect(JSON.stringify(summary)).not.toMatch(/tp-secret|arch\.example|measure|archive|dashboard/);
  });

  it('says only that Redis is unreachable when it is', () => {
    expect(summarizeHealth({ status: 'error', redis: 'unreachable', roles: ['dashboard'], queues: {} })).toEqual({ status: 'error', redis: 'unreachable' });
  });

  it('counts zero queues as zero', () => {
    expect(summarizeHealth({ status: 'ok', redis: 'ok', roles: [], queues: {} })).toMatchObject({ queues: 0, workersConnected: 0, failed: 0 });
  });
});
