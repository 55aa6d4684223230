// The direct backend measured for real in the lab: the real `psq run-once` runs inside the
// testpoint namespace (embedded redis-server on a unix socket under DATA_DIR, the test archiver
// in the same namespace), measuring tp ─ rt ─ dst with ping, iperf3, traceroute and tracepath.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labAvailable, startLab, type Lab } from '../lab/lab.js';
import { PSQ_BIN } from '../helpers/psq.js';

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
  let dir: string;

  beforeAll(async () => {
    lab = await startLab();
    dir = mkdtempSync(join(tmpdir(), 'psq-labdirect-'));
  });
  afterAll(async () => {
    await lab?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Runs `psq run-once` inside tp with an archiver inside tp; returns the CLI result and what the archiver got. */
  async function roundInTp(name: string, env: Record<string, string>) {
    const out = join(dir, `${name}-archiver.json`);
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
    const dataDir = join(dir, name);
    const r = await lab.exec('tp', [process.execPath, PSQ_BIN, 'run-once', '--archive-wait', '30'], {
      reject: false,
      cwd: dir,
      extendEnv: false,
      timeout: 180_000,
      env: {
        PATH: process.env['PATH'],
        HOME: dir,
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

  it('an address with nothing behind it gives succeeded:false results, not a crash', async () => {
    const { r, received, result } = await roundInTp('silent', {
      HOSTS: `${lab.addrs.silentV4}@nobody`,
      TESTS: 'rtt throughput trace',
      REVERSE: 'false',
      MEASURE_ATTEMPTS: '1',
      TRACE_ARGS: '--hops 3',
    });
    expect(r.exitCode, `${r.stdout}\n${String(r.stderr).slice(-3000)}`).toBe(1);
    expect(r.stdout).toMatch(/rtt\s+0 \/ 1 \/ 0/);
    expect(r.stdout).toMatch(/throughput\s+0 \/ 1 \/ 0/);
    const [rtt] = result('rtt');
    expect(rtt!.raw).toMatchObject({ succeeded: false, error: expect.stringMatching(/no reply|unreachable/i) });
    const [thr] = result('throughput');
    expect(thr!.raw).toMatchObject({ succeeded: false, error: expect.stringContaining('iperf3') });
    // Failures are archived too (ARCHIVE_FAILED defaults to true).
    expect(received.requests.filter((q) => q.status === 200 && q.body.raw.succeeded === false).length).toBeGreaterThanOrEqual(2);
  });
});
