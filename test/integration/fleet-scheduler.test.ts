// One central scheduler for a fleet (FLEET_FILE), the real `psq start scheduler` process: a Job
// Scheduler per testpoint and pattern, a tick fans out onto that testpoint's queues with its
// offset and its round's deadline, SIGHUP with an edited file changes only what was edited, and an
// overbooked fleet is refused before anything is scheduled.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JobSchedulerJson } from 'bullmq';
import { execa, type ResultPromise } from 'execa';
import { beforeEach, describe, expect, it } from 'vitest';
import type { MeasureJobData } from '../../src/jobs/measure-job.js';
import { createLogger } from '../../src/logger.js';
import { SCHEDULE_QUEUE, measureQueueName, throughputQueueName } from '../../src/queues/queue-names.js';
import { QueueRegistry } from '../../src/queues/queue-registry.js';
import type { TickJobData } from '../../src/schedule/tick-job.js';
import { eventually } from '../helpers/eventually.js';
import { killedAfterTest } from '../helpers/procs.js';
import { PSQ_BIN, runPsq } from '../helpers/psq.js';
import { TEST_REDIS_URL, testRedisOptions } from '../helpers/redis.js';
import { onCleanup, testDir, testPrefix } from '../helpers/test-context.js';

const logger = createLogger({ level: 'silent' });
let dir: string;
let prefix: string;
let queues: QueueRegistry;

// Each test's prefix and directory come from the test hook (test/helpers/test-context.ts).
beforeEach(() => {
  dir = testDir();
  prefix = testPrefix();
  queues = new QueueRegistry(testRedisOptions(), prefix, logger);
  onCleanup(() => queues.close());
});

const FLEET = `
defaults:
  tests: [rtt, throughput]
  schedule: "0 * * * *"
  schedules: { throughput: "0 */6 * * *" }
  args: { throughput: "-t 10" }
  reverse: false
testpoints:
  - id: tp1
    hosts: "192.0.2.1@d1 192.0.2.2@d2"
  - id: tp2
    hosts: "192.0.2.1@d1"
    offset: PT20S
  - id: tp3
    hosts: "192.0.2.2@d2"
`;

function env(fleetFile: string) {
  return { PATH: process.env['PATH'] ?? '', FLEET_FILE: fleetFile, REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: prefix, DATA_DIR: join(dir, 'data'), LOG_FORMAT: 'json', TESTPOINT: 'central' };
}

async function startScheduler(fleetFile: string): Promise<{ proc: ResultPromise; output: () => string }> {
  const proc = execa(process.execPath, [PSQ_BIN, 'start', 'scheduler'], { env: env(fleetFile), extendEnv: false, reject: false, all: true });
  killedAfterTest(proc);
  let out = '';
  proc.all?.on('data', (c: Buffer) => (out += c.toString('utf8')));
  await until(() => out.includes('psq started') || proc.exitCode !== null, 20_000, () => out);
  if (proc.exitCode !== null) throw new Error(`scheduler exited:\n${out}`);
  return { proc, output: () => out };
}

const until = (pred: () => boolean | Promise<boolean>, timeoutMs: number, what: () => string) => eventually(pred, { timeoutMs, intervalMs: 100, what });

async function schedulers(): Promise<JobSchedulerJson<TickJobData>[]> {
  const list = await queues.get<TickJobData>(SCHEDULE_QUEUE).getJobSchedulers(0, -1);
  return list.sort((a, b) => a.key.localeCompare(b.key));
}

const byTestpoint = (list: JobSchedulerJson<TickJobData>[]) => {
  const out: Record<string, string[]> = {};
  for (const s of list) (out[s.template?.data?.testpoint ?? '?'] ??= []).push(s.pattern ?? '');
  for (const k of Object.keys(out)) out[k]!.sort();
  return out;
};

describe('fleet scheduler (real psq start scheduler, real Redis)', () => {
  it('schedules every testpoint and pattern, and a tick fans out onto that testpoint with its offset and deadline', async () => {
    const file = join(dir, 'fleet.yaml');
    writeFileSync(file, FLEET);
    await startScheduler(file);
    const list = await schedulers();
    expect(byTestpoint(list)).toEqual({ tp1: ['0 * * * *', '0 */6 * * *'], tp2: ['0 * * * *', '0 */6 * * *'], tp3: ['0 * * * *', '0 */6 * * *'] });

    // Make tp2's hourly round happen now: promote its next tick.
    const hourly = list.find((s) => s.template?.data?.testpoint === 'tp2' && s.pattern === '0 * * * *')!;
    const delayed = await queues.get<TickJobData>(SCHEDULE_QUEUE).getDelayed();
    const tick = delayed.find((j) => j.repeatJobKey === hourly.key)!;
    expect(tick).toBeDefined();
    await tick.promote();
    const measure = queues.get<MeasureJobData>(measureQueueName('tp2'));
    await until(async () => ((await measure.getJobCounts('delayed', 'waiting')).delayed ?? 0) > 0, 20_000, () => 'no measure job for tp2');
    const jobs = await measure.getDelayed();
    // Compact jobs (fan-out.ts): the id names the spec, the name shows the destination.
    expect(jobs.map((j) => j.data.spec)).toEqual([undefined]);
    expect(jobs.map((j) => j.name)).toEqual([expect.stringContaining('→ d1 (')]);
    const job = jobs[0]!;
    // Its slot is the tick's hour; the deadline is the next hour; the offset delays it 20 s.
    expect(job.data.notAfterMs! - job.data.slotMs).toBe(3_600_000);
    expect(job.opts.delay).toBe(20_000);
    // Only the hourly categories: throughput waits for its own 6-hourly schedule.
    expect(await queues.get(throughputQueueName('tp2')).count()).toBe(0);
    expect(await queues.get(measureQueueName('tp1')).count()).toBe(0);
  });

  it('SIGHUP with an edited fleet file changes only the edited testpoints; a removed one loses its schedules', async () => {
    const file = join(dir, 'fleet.yaml');
    writeFileSync(file, FLEET);
    const { proc, output } = await startScheduler(file);
    const before = await schedulers();
    const tp1Before = before.filter((s) => s.template?.data?.testpoint === 'tp1');

    // tp2 gets another destination, tp3 is removed, tp4 is added; tp1 is left as it was.
    writeFileSync(
      file,
      FLEET.replace('hosts: "192.0.2.1@d1"\n    offset', 'hosts: "192.0.2.1@d1 192.0.2.3@d3"\n    offset').replace(
        '  - id: tp3\n    hosts: "192.0.2.2@d2"\n',
        '  - id: tp4\n    hosts: "192.0.2.4@d4"\n',
      ),
    );
    proc.kill('SIGHUP');
    await until(() => output().includes('plan reloaded'), 20_000, output);
    const after = await schedulers();
    expect(byTestpoint(after)).toEqual({ tp1: ['0 * * * *', '0 */6 * * *'], tp2: ['0 * * * *', '0 */6 * * *'], tp4: ['0 * * * *', '0 */6 * * *'] });
    // tp1's Job Schedulers were not touched: same plan, same next tick.
    expect(after.filter((s) => s.template?.data?.testpoint === 'tp1')).toEqual(tp1Before);
    const planOf = (list: JobSchedulerJson<TickJobData>[], tp: string) => list.filter((s) => s.template?.data?.testpoint === tp).map((s) => s.template?.data?.planHash);
    expect(planOf(after, 'tp2')).not.toEqual(planOf(before, 'tp2'));
    expect(proc.exitCode).toBeNull();

    // A broken edit is refused and the running plan stays.
    writeFileSync(file, `${FLEET}\n  - id: tp1\n    hosts: "nope@@"\n`);
    proc.kill('SIGHUP');
    await until(() => output().includes('the running plan stays'), 20_000, output);
    expect(byTestpoint(await schedulers())).toEqual(byTestpoint(after));
    expect(proc.exitCode).toBeNull();
  });

  it('refuses an overbooked fleet before scheduling anything, naming the testpoint and the destination', async () => {
    const file = join(dir, 'fleet.yaml');
    // busy-1 runs 4 × (90 + 7) s of throughput every 5 minutes (388 s > 300 s); d1 gets 2 × 97 s from each of them.
    writeFileSync(
      file,
      `defaults:\n  tests: [throughput]\n  schedule: "*/5 * * * *"\n  args: { throughput: "-t 90" }\n  iperf3Args: "-O 0"\ntestpoints:\n  - id: busy-1\n    hosts: "192.0.2.1@d1 192.0.2.2@d2"\n  - id: busy-2\n    hosts: "192.0.2.1@d1"\n`,
    );
    const r = await runPsq(['start', 'scheduler'], env(file));
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/busy-1\): throughput needs \d+ s per period but its schedule "\*\/5 \* \* \* \*" fires every 300 s/);
    expect(r.stderr).toMatch(/destination 192\.0\.2\.1 \(d1\): throughput from busy-1, busy-2 needs/);
    expect(r.stderr).toContain('Nothing was scheduled.');
    expect(await schedulers()).toEqual([]);
  });
});
