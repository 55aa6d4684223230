// A fleet in the network lab: one fleet file, one real `psq start scheduler` (in the router) that
// schedules it, and three testpoint namespaces, each running its own real `psq start measure`
// (direct backend: real ping, traceroute, iperf3) with that same file, against one Redis across the
// lab's network, measuring two destinations whose iperf3 servers record every test they serve.
// Every result names its own testpoint as source; throughput never overlaps per testpoint nor per
// destination (by the destinations' iperf3 records), light tests run side by side, nothing fails and
// no iperf3 server ever answers "busy".
//
// Needs root and iproute2; skipped with the reason otherwise, except under CI=true where an
// unavailable lab fails the file.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import type { MeasureJobData } from '../../src/jobs/measure-job.js';
import type { ResultMeta } from '../../src/keep/result-meta.js';
import { busyWaitsOf } from '../../src/measure/busy-wait.js';
import type { MeasureOutcome } from '../../src/measure/measure-processor.js';
import { measureQueueName, SCHEDULE_QUEUE, throughputQueueName } from '../../src/queues/queue-names.js';
import { QueueRegistry } from '../../src/queues/queue-registry.js';
import type { TickJobData } from '../../src/schedule/tick-job.js';
import { uniquePrefix } from '../helpers/redis.js';
import { FLEET_DESTINATIONS, FLEET_TESTPOINTS, fleetLabAvailable, startFleetLab, type FleetLab, type FleetTestpoint, type Iperf3ServedTest } from '../lab/fleet-lab.js';
import { startMeasureWorker, startPsqRole, type PsqRoleProcess } from '../lab/fleet-psq.js';

const availability = await fleetLabAvailable();
if (!availability.ok) {
  if (process.env['CI'] === 'true') {
    describe('fleet lab availability (CI=true)', () => {
      it('the lab must be available in CI', () => expect.fail(availability.reason));
    });
  } else {
    console.warn(`skipping fleet lab tests — ${availability.reason}`);
  }
}

interface Span {
  readonly start: number;
  readonly end: number;
}

function overlappingPairs<S extends Span>(spans: readonly S[]): [S, S][] {
  const out: [S, S][] = [];
  for (let i = 0; i < spans.length; i++) {
    for (let j = i + 1; j < spans.length; j++) {
      const a = spans[i]!;
      const b = spans[j]!;
      if (a.start < b.end && b.start < a.end) out.push([a, b]);
    }
  }
  return out;
}

/**
 * What a destination's iperf3 record proves about when a test held it, as a half-open span in
 * whole seconds: iperf3 stamps the control connection's arrival in whole seconds (T = floor(c)), and
 * the test ran at least its requested seconds d (an integer) after that. Two tests of which the
 * second connected after the first ended have T2 ≥ floor(c1 + d) = T1 + d, so their spans [T, T + d)
 * never overlap; tests that really ran at the same time overlap unless they are less than a second
 * apart at the edges.
 */
const servedSpan = (t: Iperf3ServedTest & { dest: string }) => ({ ...t, start: t.startSecs, end: t.startSecs + t.requestedSecs });

const logger = createLogger({ level: 'silent' });

describe.skipIf(!availability.ok)('a fleet of testpoints in the lab (direct backend, real psq processes and Redis)', () => {
  let lab: FleetLab;
  let queues: QueueRegistry;
  const workers = new Map<FleetTestpoint, PsqRoleProcess>();
  let scheduler: PsqRoleProcess;
  const prefix = uniquePrefix();

  /** The whole fleet in one file: the scheduler plans it, each testpoint measures its own part. */
  const fleetFile = () => {
    const file = join(lab.dir, 'fleet.yaml');
    const hosts = FLEET_DESTINATIONS.map((d) => `${lab.addrs.v4[d]}@${d}`).join(' ');
    const testpoints = FLEET_TESTPOINTS.map((tp) => `  - id: ${tp}\n`).join('');
    writeFileSync(
      file,
      `defaults:\n  hosts: "${hosts}"\n  tests: [throughput, rtt, trace]\n  schedule: "*/30 * * * *"\n  reverse: false\n` +
        `  args: { throughput: "-t 2", rtt: "--count 4 --interval 0.25" }\n  iperf3Args: "-O 0"\n  concurrency: 4\n  backend: direct\n` +
        `testpoints:\n${testpoints}`,
    );
    return file;
  };

  const common = (): Record<string, string> => ({ FLEET_FILE: join(lab.dir, 'fleet.yaml'), REDIS_URL: lab.redisUrl, QUEUE_PREFIX: prefix });
  const envFor = (tp: FleetTestpoint): Record<string, string> => ({
    ...common(),
    TESTPOINT: tp,
    HOST_NAME: tp,
    HOST_IP: lab.addrs.v4[tp],
    DATA_DIR: join(lab.dir, tp),
  });

  beforeAll(async () => {
    lab = await startFleetLab();
    fleetFile();
    queues = new QueueRegistry({ path: lab.redisSocket }, prefix, logger);
    scheduler = await startPsqRole(lab, 'rt', 'scheduler', { ...common(), TESTPOINT: 'central', DATA_DIR: join(lab.dir, 'central') }, { ready: 'psq started', timeoutMs: 45_000 });
    await Promise.all(FLEET_TESTPOINTS.map(async (tp) => workers.set(tp, await startMeasureWorker(lab, tp, envFor(tp), 45_000))));
  }, 90_000);

  afterAll(async () => {
    await Promise.allSettled([...workers.values(), scheduler].filter(Boolean).map((w) => w.stop()));
    await queues?.close();
    await lab?.stop();
  }, 30_000);

  /** Runs every testpoint's next round now: the scheduler's own ticks, promoted; returns the jobs they fanned out. */
  async function roundNow(): Promise<{ queueName: string; jobId: string }[]> {
    const ticks = await queues.get<TickJobData>(SCHEDULE_QUEUE).getDelayed();
    expect(ticks.map((t) => t.data.testpoint).sort()).toEqual([...FLEET_TESTPOINTS].sort());
    await Promise.all(ticks.map((t) => t.promote()));
    const names = FLEET_TESTPOINTS.flatMap((tp) => [measureQueueName(tp), throughputQueueName(tp)]);
    const expected = FLEET_TESTPOINTS.length * FLEET_DESTINATIONS.length * 3;
    const end = Date.now() + 30_000;
    for (;;) {
      const jobs = (await Promise.all(names.map(async (queueName) => (await queues.get(queueName).getJobs()).map((j) => ({ queueName, jobId: String(j.id) }))))).flat();
      if (jobs.length >= expected) return jobs;
      if (Date.now() > end) throw new Error(`the scheduler fanned out ${jobs.length} of ${expected} jobs:\n${scheduler.output().slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  async function settled(jobs: readonly { queueName: string; jobId: string }[], timeoutMs: number): Promise<Job<MeasureJobData, MeasureOutcome>[]> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const states = await Promise.all(jobs.map((j) => queues.get(j.queueName).getJobState(j.jobId)));
      if (states.every((s) => s === 'completed' || s === 'failed')) break;
      if (Date.now() > end) throw new Error(`jobs not settled after ${timeoutMs} ms: ${states.join(', ')}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    return Promise.all(jobs.map(async (j) => (await Job.fromId<MeasureJobData, MeasureOutcome>(queues.get(j.queueName), j.jobId))!));
  }

  /** Result files (with their .meta) a testpoint kept, per category directory. */
  function resultsOf(tp: FleetTestpoint): { category: string; file: string; raw: Record<string, any>; meta: ResultMeta }[] {
    const dataDir = join(lab.dir, tp);
    return ['throughput', 'rtt', 'trace'].flatMap((category) => {
      const d = join(dataDir, category);
      if (!existsSync(d)) return [];
      return readdirSync(d)
        .filter((f) => f.endsWith('.json'))
        .map((f) => ({
          category,
          file: f,
          raw: JSON.parse(readFileSync(join(d, f), 'utf8')) as Record<string, any>,
          meta: JSON.parse(readFileSync(join(d, `${f}.meta`), 'utf8')) as ResultMeta,
        }));
    });
  }

  /**
   * Run spans from a worker's own log, "measurement started" to its end line, per job. They bracket
   * the tool's run but also the keeping and the slot's release, so they may overlap the next holder's
   * by a few ms: good to show that runs did overlap, not that they did not.
   */
  function loggedSpans(tp: FleetTestpoint, category: string): (Span & { jobId: string; targetIp: string })[] {
    const lines = workers.get(tp)!.logLines().filter((l) => l['category'] === category);
    const at = (l: Record<string, unknown>) => Date.parse(String(l['time']));
    return lines
      .filter((l) => l['msg'] === 'measurement started')
      .map((s) => {
        const end = lines.find((l) => l['jobId'] === s['jobId'] && (l['msg'] === 'measurement succeeded' || l['msg'] === 'measurement failed'));
        return { jobId: String(s['jobId']), targetIp: String(s['targetIp']), start: at(s), end: end === undefined ? Infinity : at(end) };
      });
  }

  it('one scheduler with a fleet file: a round per testpoint, own source, exclusive throughput, parallel light tests, never "busy"', async () => {
    const jobs = await roundNow();
    expect(jobs).toHaveLength(FLEET_TESTPOINTS.length * FLEET_DESTINATIONS.length * 3);
    const done = await settled(jobs, 75_000);
    const logs = FLEET_TESTPOINTS.map((tp) => workers.get(tp)!.output()).join('\n');

    // Every measurement succeeded at its first attempt; none ever met a busy iperf3 server.
    const summary = done.map((j) => ({ job: j.name, queue: j.queueName, failed: j.failedReason ?? null, succeeded: j.returnvalue?.succeeded, skipped: j.returnvalue?.skipped }));
    expect(summary, logs.slice(-6000)).toEqual(summary.map((s) => ({ ...s, failed: null, succeeded: true, skipped: null })));
    expect(done.map((j) => j.attemptsMade)).toEqual(done.map(() => 1));
    expect(done.filter((j) => busyWaitsOf(j.data) > 0).map((j) => j.name)).toEqual([]);
    expect(logs).not.toMatch(/is busy/);

    // Every result names its own testpoint as source, in its .meta (what archivers receive as src).
    for (const tp of FLEET_TESTPOINTS) {
      const results = resultsOf(tp);
      expect(results.map((r) => r.category).sort()).toEqual(['rtt', 'rtt', 'throughput', 'throughput', 'trace', 'trace']);
      for (const { meta, raw, file } of results) {
        expect(meta, `${tp}/${file}`).toMatchObject({ testpoint: tp, succeeded: true, src: { ip: lab.addrs.v4[tp], name: tp } });
        expect(raw['succeeded'], `${tp}/${file}`).toBe(true);
      }
      // The traces went through the testpoint's own gateway: its packets really left from its link.
      for (const { raw, meta } of results.filter((r) => r.category === 'trace')) {
        const hops = (raw['paths'][0] as { ip?: string }[]).map((h) => h.ip);
        expect(hops).toEqual([lab.addrs.v4[tp].replace(/\.2$/, '.1'), meta.dst.ip]);
      }
    }

    // The destinations' own record: each served one test per testpoint, from that testpoint's address.
    // (A server writes its record as its test ends, which may be a moment after the client's job settled.)
    const expectedServed = FLEET_TESTPOINTS.length * FLEET_DESTINATIONS.length;
    const servedBy = Date.now() + 5_000;
    while (FLEET_DESTINATIONS.flatMap((d) => lab.iperf3Served(d)).length < expectedServed && Date.now() < servedBy) await new Promise((r) => setTimeout(r, 100));
    const served = FLEET_DESTINATIONS.flatMap((dest) => lab.iperf3Served(dest).map((t) => servedSpan({ ...t, dest })));
    expect(served.map((t) => t.error)).toEqual(served.map(() => null));
    for (const dest of FLEET_DESTINATIONS) {
      expect(served.filter((t) => t.dest === dest).map((t) => t.remoteHost).sort()).toEqual(FLEET_TESTPOINTS.map((tp) => lab.addrs.v4[tp]).sort());
    }
    for (const t of served) expect(t.requestedSecs).toBe(2);
    // Never two throughput tests at once at a destination, nor from one testpoint.
    for (const dest of FLEET_DESTINATIONS) {
      expect(overlappingPairs(served.filter((t) => t.dest === dest)), `throughput overlapped at ${dest}`).toEqual([]);
    }
    for (const tp of FLEET_TESTPOINTS) {
      expect(overlappingPairs(served.filter((t) => t.remoteHost === lab.addrs.v4[tp])), `throughput overlapped on ${tp}`).toEqual([]);
    }

    // The slots serialise only what must be: different testpoints measured the two destinations at
    // the same time (by the workers' logs, which bracket each run).
    const throughputLogged = FLEET_TESTPOINTS.flatMap((tp) => loggedSpans(tp, 'throughput').map((s) => ({ ...s, tp })));
    expect(throughputLogged).toHaveLength(expectedServed);
    expect(overlappingPairs(throughputLogged).filter(([a, b]) => a.tp !== b.tp && a.targetIp !== b.targetIp).length).toBeGreaterThan(0);

    // Light tests do run side by side on each testpoint: the concurrency is used (both rtt tests at once).
    for (const tp of FLEET_TESTPOINTS) {
      expect(loggedSpans(tp, 'trace')).toHaveLength(2);
      const rtt = loggedSpans(tp, 'rtt');
      expect(rtt).toHaveLength(2);
      expect(overlappingPairs(rtt), `the rtt tests on ${tp} did not run in parallel`).toHaveLength(1);
    }
  }, 90_000);
});
