// The direct backend measured for real in the lab: the real `psq run-once` runs inside the
// testpoint namespace (embedded redis-server on a unix socket under DATA_DIR, the test archiver
// in the same namespace), measuring tp ─ rt ─ dst with ping, iperf3, traceroute and tracepath.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labAvailable, startLab, type Lab } from '../lab/lab.js';
import { PSQ_BIN } from '../helpers/psq.js';
import { testDir } from '../helpers/test-context.js';

const availability = await labAvailable();
if (!availability.ok) {
  if (process.env['CI'] === 'true') {
    describe('lab availability (CI=true)', () => {
      it('the lab must be available in CI', () => expect.fail(availability.reason));
    });
  } else {
    console.warn(`skipping lab tests — ${availability.reason}`);
  }
}

const ARCHIVER_PROCESS = fileURLToPath(new URL('../helpers/archiver-process.ts', import.meta.url));
const TOKEN = 'lab-token';
const PORT = 8088;

interface Received {
  requests: { path: string; status: number | null; body: { run_id: string; raw: { succeeded: boolean } } }[];
  records: unknown[];
}

describe.skipIf(!availability.ok)('direct backend in the lab', () => {
  let lab: Lab;

  beforeAll(async () => {
    lab = await startLab();
  });
  afterAll(async () => {
    await lab?.stop();
  });

  /** Runs `psq run-once` inside tp with an archiver inside tp; returns the CLI result and what the archiver got. */
  async function roundInTp(name: string, env: Record<string, string>) {
    const out = join(testDir(), `${name}-archiver.json`);
    const archiver = lab.spawn('tp', [process.execPath, '--import', 'tsx', ARCHIVER_PROCESS, String(PORT), TOKEN, out], { reject: false, cwd: process.cwd() });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('archiver did not start in tp')), 15_000);
      archiver.stdout!.on('data', (b: Buffer) => {
        if (b.toString().includes('listening')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    const dataDir = join(testDir(), name);
    const r = await lab.exec('tp', [process.execPath, PSQ_BIN, 'run-once', '--archive-wait', '30'], {
      reject: false,
      cwd: testDir(),
      extendEnv: false,
      timeout: 180_000,
      env: {
        PATH: process.env['PATH'],
        HOME: testDir(),
        BACKEND: 'direct',
        ARCHIVE_URLS: `http://127.0.0.1:${PORT}/ps`,
        AUTH_TOKEN: TOKEN,
        DATA_DIR: dataDir,
        TESTPOINT: 'lab-tp',
        HOST_IP: lab.addrs.tpV4,
        HOST_NAME: 'lab-tp',
        IPERF3_PORT: '5201',
        RTT_ARGS: '-c 3 -i PT0.2S',
        LATENCY_ARGS: '-c 3 -i 0.2',
        THROUGHPUT_ARGS: '-P 2 -t 2',
        IPERF3_ARGS: '-i 1 -O 0',
        MEASURE_RETRY_DELAY_MS: '200',
        ARCHIVE_BACKOFF_MS: '200',
        ...env,
      },
    });
    archiver.kill('SIGTERM');
    await archiver;
    const received = JSON.parse(readFileSync(out, 'utf8')) as Received;
    const result = (category: string) =>
      readdirSync(join(dataDir, category))
        .filter((f) => f.endsWith('.json'))
        .sort()
        .map((f) => ({ file: f, raw: JSON.parse(readFileSync(join(dataDir, category, f), 'utf8')) }));
    return { r, received, result };
  }

  it('measures every category over the lab and delivers it; clock is skipped, never passed', async () => {
    const { r, received, result } = await roundInTp('ok', { HOSTS: `${lab.addrs.dstV4}@dst [${lab.addrs.dstV6}]@dst6` });
    expect(r.exitCode, `${r.stdout}\n${String(r.stderr).slice(-4000)}`).toBe(0);
    expect(r.stdout).toMatch(/clock\s+0 \/ 0 \/ 2/);
    expect(r.stdout).toMatch(/skipped: clock: .*pScheduler/);
    expect(r.stdout).toMatch(/throughput\s+4 \/ 0 \/ 0/);
    expect(r.stdout).toContain(`http://127.0.0.1:${PORT}/ps  12 / 0 / 0`);
    expect(received.records).toHaveLength(12);

    // trace: the router, then the destination.
    const traces = result('trace');
    const trace4 = traces.find((t) => t.file.startsWith('dst@'));
    const trace6 = traces.find((t) => t.file.startsWith('dst6@'));
    const hops4 = trace4!.raw.paths[0].map((h: { ip?: string }) => h.ip);
    expect(hops4).toEqual([lab.addrs.rtTpV4, lab.addrs.dstV4]);
    expect(trace6!.raw.paths[0].map((h: { ip?: string }) => h.ip)).toEqual([lab.addrs.rtTpV6, lab.addrs.dstV6]);
    // mtu: the router→destination link is 1400.
    expect(result('mtu').map((m) => m.raw)).toEqual([
      expect.objectContaining({ succeeded: true, mtu: 1400 }),
      expect.objectContaining({ succeeded: true, mtu: 1400 }),
    ]);
    // rtt: no loss, positive times.
    for (const { raw } of result('rtt')) {
      expect(raw).toMatchObject({ succeeded: true, loss: 0, sent: 3, received: 3 });
      expect(raw.min).toMatch(/^PT0\.\d+S$/);
    }
    for (const { raw } of result('latency')) expect(raw).toMatchObject({ succeeded: true, 'packets-sent': 3, 'packets-lost': 0 });
    // throughput: forward and reverse, a positive and sane rate (veths on one host: 10 Mbit/s .. 1 Tbit/s).
    const thr = result('throughput');
    expect(thr.map((t) => t.file.replace(/^.*_(forward|reverse)\.json$/, '$1')).sort()).toEqual(['forward', 'forward', 'reverse', 'reverse']);
    for (const { raw } of thr) {
      expect(raw.succeeded).toBe(true);
      const bits = raw.summary.summary['throughput-bits'];
      expect(bits).toBeGreaterThan(1e7);
      expect(bits).toBeLessThan(1e12);
    }
  });

  // pScheduler's ping and halfping call a run with no answer a success with loss 1, and the
  // archivers store that loss (loss_pct = 1): an outage shows as 100 % loss, not as a gap.
  it('an address with nothing behind it is measured as 100 % loss: rtt and latency succeed, the round passes', async () => {
    const { r, received, result } = await roundInTp('silent', {
      HOSTS: `${lab.addrs.silentV4}@nobody [${lab.addrs.silentV6}]@nobody6`,
      TESTS: 'rtt latency',
      MEASURE_ATTEMPTS: '1',
    });
    expect(r.exitCode, `${r.stdout}\n${String(r.stderr).slice(-3000)}`).toBe(0);
    expect(r.stdout).toMatch(/rtt\s+2 \/ 0 \/ 0/);
    expect(r.stdout).toMatch(/latency\s+2 \/ 0 \/ 0/);
    expect(r.stdout).toContain(`http://127.0.0.1:${PORT}/ps  4 / 0 / 0`);
    const rtts = result('rtt');
    expect(rtts).toHaveLength(2);
    for (const { raw } of rtts) {
      // -c 3; ping (with -w) stops at rt's first "host unreachable", so it may have sent fewer
      expect(raw).toMatchObject({ schema: 1, succeeded: true, loss: 1, received: 0, duplicates: 0, reorders: 0 });
      expect(raw.sent).toBeGreaterThanOrEqual(1);
      expect(raw.sent).toBeLessThanOrEqual(3);
      expect(raw.lost).toBe(raw.sent);
      expect(raw).not.toHaveProperty('min');
      expect(raw).not.toHaveProperty('mean');
      expect(raw).not.toHaveProperty('error');
      // rt's ICMP errors are kept per probe, as pScheduler keeps them
      for (const rt of raw.roundtrips) expect(rt).toMatchObject({ error: 'host-unreachable' });
    }
    for (const { raw } of result('latency')) {
      expect(raw).toEqual({
        schema: 1, succeeded: true,
        'packets-sent': 3, 'packets-received': 0, 'packets-lost': 3, 'packets-duplicated': 0, 'packets-reordered': 0,
        'histogram-latency': {}, 'histogram-ttl': {},
      });
    }
    // What the archiver got: successful results carrying the loss (the real archiver stores it as loss_pct).
    const delivered = received.requests.filter((q) => q.status === 200).map((q) => q.body.raw as { succeeded: boolean; loss?: number });
    expect(delivered).toHaveLength(4);
    expect(delivered.every((raw) => raw.succeeded)).toBe(true);
    expect(delivered.filter((raw) => raw.loss === 1)).toHaveLength(2);
  });

  it('no route from the testpoint (nothing can be sent) is a failed measurement, and failures are archived', async () => {
    // A `throw` route makes tp's lookup for this prefix fail as if there were no route at all.
    const NO_ROUTE = '10.213.99.0/24';
    await lab.exec('tp', ['ip', 'route', 'add', 'throw', NO_ROUTE]);
    try {
      const { r, received, result } = await roundInTp('noroute', {
        HOSTS: '10.213.99.1@noroute',
        TESTS: 'rtt latency throughput',
        REVERSE: 'false',
        MEASURE_ATTEMPTS: '1',
      });
      expect(r.exitCode, `${r.stdout}\n${String(r.stderr).slice(-3000)}`).toBe(1);
      expect(r.stdout).toMatch(/rtt\s+0 \/ 1 \/ 0/);
      expect(r.stdout).toMatch(/latency\s+0 \/ 1 \/ 0/);
      expect(r.stdout).toMatch(/throughput\s+0 \/ 1 \/ 0/);
      expect(result('rtt')[0]!.raw).toEqual({ schema: 1, succeeded: false, error: 'ping: connect: Network is unreachable' });
      expect(result('latency')[0]!.raw).toEqual({ schema: 1, succeeded: false, error: 'ping: connect: Network is unreachable' });
      expect(result('throughput')[0]!.raw).toMatchObject({ succeeded: false, error: expect.stringContaining('iperf3') });
      // Failures are archived too (ARCHIVE_FAILED defaults to true).
      expect(received.requests.filter((q) => q.status === 200 && q.body.raw.succeeded === false)).toHaveLength(3);
    } finally {
      await lab.exec('tp', ['ip', 'route', 'del', 'throw', NO_ROUTE], { reject: false });
    }
  });
});
