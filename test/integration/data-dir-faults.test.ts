// A full (ENOSPC) or read-only (EROFS) DATA_DIR must not lose the result: real tmpfs mounts, a real
// `psq run-once` with the direct backend pinging loopback, a real archiver on loopback, and the
// dashboard's /metrics counting what could not be kept.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDashboard } from '../helpers/dashboard-harness.js';
import { startArchiverServer, type ArchiverServer } from '../helpers/archiver-server.js';
import { keepResult } from '../../src/keep/keep-result.js';
import { sampleValue } from '../helpers/prom-text.js';
import { execa } from 'execa';
import { freePort } from '../helpers/ports.js';
import { PSQ_BIN } from '../helpers/psq.js';
import { TEST_REDIS_URL } from '../helpers/redis.js';
import { eventually } from '../helpers/eventually.js';
import { onCleanup } from '../helpers/test-context.js';

const TOKEN = 'tok-Disk-77ab-never-show';
let base: string;
const mounts: string[] = [];

function mountTmpfs(name: string, size: string): string {
  const dir = join(base, name);
  mkdirSync(dir);
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
  mounts.push(dir);
  return dir;
}

/** Every file under `dir`, relative paths. */
function filesUnder(dir: string, prefix = ''): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path, `${prefix}${name}/`) : [`${prefix}${name}`];
  });
}

/** remount,ro answers EBUSY while a file there is open for writing (the running-tool record): retry briefly. */
async function remountReadOnly(dir: string): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      execFileSync('mount', ['-o', 'remount,ro', dir], { stdio: 'pipe' });
      return;
    } catch (err) {
      if (i >= 20) throw err;
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'psq-disk-'));
});
afterAll(() => {
  for (const m of mounts.reverse()) execFileSync('umount', ['-l', m]);
  rmSync(base, { recursive: true, force: true });
});

/**
 * A real `psq run-once` (one rtt to loopback, ~1.5 s of ping); `onMeasuring` runs once the
 * measurement has started, i.e. after start-up checked DATA_DIR.
 */
async function runOnceInto(dataDir: string, archiver: ArchiverServer, prefix: string, onMeasuring: () => void = () => undefined) {
  const run = execa(process.execPath, [PSQ_BIN, 'run-once'], {
    env: {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      HOSTS: '127.0.0.1@loop',
      TESTS: 'rtt',
      REVERSE: 'false',
      BACKEND: 'direct',
      IPERF3_PORT: String(await freePort()),
      RTT_ARGS: '--count 4 --interval 0.5',
      DATA_DIR: dataDir,
      ARCHIVE_URLS: archiver.url,
      AUTH_TOKEN: TOKEN,
      REDIS_URL: TEST_REDIS_URL,
      QUEUE_PREFIX: prefix,
      TESTPOINT: 'tp-disk',
      MEASURE_ATTEMPTS: '2',
      MEASURE_RETRY_DELAY_MS: '100',
    },
    extendEnv: false,
    reject: false,
    timeout: 60_000,
  });
  let told = false;
  const watch = (chunk: Buffer) => {
    if (!told && chunk.toString('utf8').includes('"msg":"measurement started"')) {
      told = true;
      onMeasuring();
    }
  };
  run.stdout?.on('data', watch);
  run.stderr?.on('data', watch);
  const r = await run;
  return { exitCode: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr), told };
}

describe('keepResult on a real tmpfs', () => {
  it('room for the result but not its .meta: neither is left (no result without .meta, no .partial)', async () => {
    const dataDir = mountTmpfs('data-one-page', '64k');
    // 15 of the 16 pages used: the result's 4 KiB page fits, the .meta's does not.
    writeFileSync(join(dataDir, 'filler'), Buffer.alloc(15 * 4096));
    const planned = join(dataDir, 'rtt', 'loop@127.0.0.1_auto_20261201-120000Z_forward.json');
    const kept = await keepResult(planned, '{"succeeded":true}\n', '{"run_id":"r"}\n');
    expect(kept).toMatchObject({ kept: false, errno: 'ENOSPC' });
    expect(filesUnder(dataDir)).toEqual(['filler']);
  });
});

describe('DATA_DIR that cannot keep the result (real tmpfs)', () => {
  it.each([
    ['full', 'ENOSPC'],
    ['read-only', 'EROFS'],
  ])('%s DATA_DIR: the result is still delivered once, the errno is logged and counted, no partial files are left', async (kind, errno) => {
    const dataDir = mountTmpfs(`data-${kind}`, '64k');
    if (kind === 'full') {
      // Fill it: the write fails with ENOSPC once the 64 KiB are used up; what fitted stays.
      expect(() => writeFileSync(join(dataDir, 'filler'), Buffer.alloc(1024 * 1024))).toThrow(/ENOSPC/);
    }
    const archiver = await startArchiverServer({ token: TOKEN });
    onCleanup(() => archiver.close());
    const dash = await startDashboard({ AUTH_TOKEN: TOKEN });

    // A read-only DATA_DIR is refused at start-up (exit 2), so it turns read-only during the
    // measurement, as a filesystem does when the kernel remounts it after an error.
    const before = kind === 'full' ? filesUnder(dataDir) : [];
    let remounted: Promise<void> = Promise.resolve();
    const run = await runOnceInto(dataDir, archiver, dash.prefix, () => {
      if (kind === 'read-only') remounted = remountReadOnly(dataDir);
    });
    await remounted;
    const output = `${run.stdout}\n${run.stderr}`;
    expect(run.told, output).toBe(true);
    // Delivered once, although nothing could be kept.
    expect(archiver.records.size, output).toBe(1);
    const [record] = [...archiver.records.values()];
    expect(record!.writes).toBe(1);
    expect((record!.body['raw'] as { succeeded: boolean }).succeeded).toBe(true);
    expect(run.exitCode, output).toBe(0);
    // The log names the errno and says it was delivered anyway.
    expect(output).toContain(`result not kept on disk (${errno})`);
    expect(output).toContain('it is delivered to the archivers anyway');
    // Nothing half-written: no .partial, no result without its .meta, no result at all. (A
    // read-only disk may keep the running-tool record it could not remove: the next start clears it.)
    expect(filesUnder(dataDir).filter((f) => !f.startsWith('.running/'))).toEqual(before);
    // Counted in /metrics.
    const counted = await eventually(async () => {
      const v = sampleValue(await dash.metrics(), 'psq_results_not_kept_total', { testpoint: 'tp-disk', errno });
      return v === 1 ? v : undefined;
    }, { what: 'psq_results_not_kept_total' });
    expect(counted).toBe(1);
    expect(output).not.toContain(TOKEN);
  });
});
