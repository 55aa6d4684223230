// Issue 12: least privilege in a shared Redis. The users `psq acl` prints are loaded into a private
// redis-server; a real measure worker (`psq start measure`) with testpoint A's credentials takes and
// completes a job the scheduler's user fanned out, and hands the result to the archive queue, without a
// single ACL denial; with A's credentials, testpoint B's queues, the schedule and FLUSHALL are refused.
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue, Worker, type RedisOptions } from 'bullmq';
import { execa } from 'execa';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { acquireLeases, destinationLeaseKey, testpointLeaseKey } from '../../src/measure/throughput-leases.js';
import { plan } from '../../src/plan/plan.js';
import { archiveQueueName, measureQueueName, SCHEDULE_QUEUE, throughputQueueName } from '../../src/queues/queue-names.js';
import { fanOut, measureJobOptions } from '../../src/schedule/fan-out.js';
import { eventually } from '../helpers/eventually.js';
import { freePort } from '../helpers/ports.js';
import { PSQ_BIN, runPsq } from '../helpers/psq.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';

const ADMIN_PASSWORD = 'admin-pw-acl-4d1';
const PREFIX = 'psq-acl';
const ARCHIVER = 'http://127.0.0.1:9/ps';
const A = 'tp-a';
const B = 'tp-b';

let redis: RedisServer;
let admin: Redis;
let dir: string;
const passwords = new Map<string, string>();
let ruleLines: string[] = [];

const options = (user: string): RedisOptions => ({ host: '127.0.0.1', port: redis.port, username: user, password: passwords.get(user)!, maxRetriesPerRequest: null });
const urlOf = (user: string) => `redis://${user}:${encodeURIComponent(passwords.get(user)!)}@127.0.0.1:${redis.port}`;

function baseEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env['PATH'] ?? '',
    HOME: dir,
    HOSTS: '127.0.0.1@localhost',
    TESTS: 'rtt',
    BACKEND: 'direct',
    REVERSE: 'false',
    QUEUE_PREFIX: PREFIX,
    TESTPOINT: A,
    ARCHIVE_URLS: ARCHIVER,
    DATA_DIR: join(dir, 'data'),
    LOG_FORMAT: 'json',
    ...extra,
  };
}

/** ACL LOG entries as objects (the reason, the command or key refused, the user). */
async function aclLog(): Promise<Record<string, unknown>[]> {
  const entries = (await admin.call('ACL', 'LOG', '128')) as unknown[][];
  return entries.map((e) => Object.fromEntries(Array.from({ length: e.length / 2 }, (_, i) => [String(e[2 * i]), e[2 * i + 1]])));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'psq-acl-'));
  redis = await startRedisServer((port) => ['--port', String(port), '--requirepass', ADMIN_PASSWORD], (port) => ({ host: '127.0.0.1', port, password: ADMIN_PASSWORD }));
  admin = new Redis({ host: '127.0.0.1', port: redis.port, password: ADMIN_PASSWORD });
  const r = await runPsq(['acl', A, B], baseEnv({ REDIS_URL: `redis://127.0.0.1:${redis.port}` }), { cwd: dir });
  expect(r.exitCode, r.stderr).toBe(0);
  ruleLines = r.stdout.trim().split('\n');
  for (const line of r.stderr.split('\n')) {
    const m = /^(psq-\S+) (\S+)$/.exec(line);
    if (m) passwords.set(m[1]!, m[2]!);
  }
  for (const line of ruleLines) await admin.call(...(line.split(' ') as [string, ...string[]]));
  await admin.call('ACL', 'LOG', 'RESET');
}, 60_000);

afterAll(async () => {
  admin?.disconnect();
  await redis?.destroy();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('psq acl output', () => {
  it('one user per testpoint named and one per central role, each with a new password shown once on stderr, hashes only on stdout', () => {
    expect([...passwords.keys()].sort()).toEqual(['psq-archive', 'psq-dashboard', 'psq-scheduler', `psq-tp-${A}`, `psq-tp-${B}`]);
    expect(ruleLines).toHaveLength(5);
    for (const [, pw] of passwords) expect(ruleLines.join('\n')).not.toContain(pw);
    for (const line of ruleLines) expect(line).toMatch(/^ACL SETUSER psq-\S+ reset on #[0-9a-f]{64} /);
    const a = ruleLines.find((l) => l.includes(`psq-tp-${A} `))!;
    expect(a).toContain(`~${PREFIX}:${measureQueueName(A)}:*`);
    expect(a).toContain(`~${PREFIX}:${archiveQueueName(ARCHIVER)}:*`);
    expect(a).toContain(`~${PREFIX}:tp:${A}:*`);
    expect(a).toContain(`~${PREFIX}:lease:*`);
    expect(a).not.toContain(B);
  });

  it('--password-file keeps known passwords; --format aclfile loads into a redis-server as its aclfile', async () => {
    const pwFile = join(dir, 'passwords');
    writeFileSync(pwFile, `# kept\npsq-tp-${A} ${passwords.get(`psq-tp-${A}`)}\n`, { mode: 0o600 });
    const r = await runPsq(['acl', A, '--format', 'aclfile', '--password-file', pwFile], baseEnv(), { cwd: dir });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).not.toContain(`psq-tp-${A} `);
    expect(r.stderr).toMatch(/^psq-scheduler \S+$/m);
    const aclFile = join(dir, 'users.acl');
    writeFileSync(aclFile, `${r.stdout.trim()}\nuser default on nopass ~* &* +@all\n`);
    const second = await startRedisServer((port) => ['--port', String(port), '--aclfile', aclFile], (port) => ({ host: '127.0.0.1', port }));
    try {
      const client = new Redis({ host: '127.0.0.1', port: second.port, username: `psq-tp-${A}`, password: passwords.get(`psq-tp-${A}`)! });
      try {
        expect(await client.call('ACL', 'WHOAMI').catch((e: Error) => e.message)).toMatch(/NOPERM/);
        expect(await client.ping()).toBe('PONG');
      } finally {
        client.disconnect();
      }
    } finally {
      await second.destroy();
    }
  }, 60_000);
});

describe('testpoint A with its own credentials', () => {
  it('a real measure worker takes the scheduler’s job, completes it and feeds the archive queue, with no ACL denial', async () => {
    const env = baseEnv({ REDIS_URL: urlOf(`psq-tp-${A}`) });
    const child = execa(process.execPath, [PSQ_BIN, 'start', 'measure'], { env, extendEnv: false, reject: false, cwd: dir });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    const sched = new Map<string, Queue>();
    const watch = new Queue(measureQueueName(A), { connection: { host: '127.0.0.1', port: redis.port, password: ADMIN_PASSWORD }, prefix: PREFIX });
    const archive = new Queue(archiveQueueName(ARCHIVER), { connection: { host: '127.0.0.1', port: redis.port, password: ADMIN_PASSWORD }, prefix: PREFIX });
    try {
      await eventually(() => out.includes('"psq started"') || child.exitCode !== null, { timeoutMs: 30_000, what: () => out });
      expect(child.exitCode, out).toBeNull();
      // The scheduler's user fans the round out, as the scheduler role does.
      const config = loadConfig(env, { hostname: 'acl-test', inContainer: false });
      const specs = plan(config).specs;
      expect(specs.length).toBeGreaterThan(0);
      const queueFor = (name: string) => {
        let q = sched.get(name);
        if (!q) sched.set(name, (q = new Queue(name, { connection: options('psq-scheduler'), prefix: PREFIX })));
        return q;
      };
      await fanOut(specs, Date.now(), queueFor as never, measureJobOptions(config));
      await eventually(async () => (await watch.getJobCounts('completed')).completed === specs.length, {
        timeoutMs: 60_000,
        what: async () => JSON.stringify(await watch.getJobCounts()),
      } as never);
      expect(await archive.count()).toBeGreaterThanOrEqual(specs.length);
      // `psq health measure` with A's credentials (counting workers is CLIENT LIST).
      const health = await runPsq(['health', 'measure'], env, { cwd: dir });
      expect(health.exitCode, `${health.stdout}${health.stderr}`).toBe(0);
      // Throughput leases: A's own and a destination's.
      const leaseClient = new Redis(options(`psq-tp-${A}`));
      try {
        const got = await acquireLeases(leaseClient, [testpointLeaseKey(PREFIX, A), destinationLeaseKey(PREFIX, '127.0.0.1')], 'acl-test', {});
        expect(got.held).toBe(true);
        if (got.held) await got.lease.release();
      } finally {
        leaseClient.disconnect();
      }
    } finally {
      child.kill('SIGTERM');
      await Promise.all([...sched.values(), watch, archive].map((q) => q.close()));
    }
    const r = await child;
    expect(r.exitCode, String(r.stderr)).toBe(0);
    // Nothing was refused along the way: the rules are sufficient, not merely tolerated.
    expect(await aclLog()).toEqual([]);
  }, 120_000);
});

describe('with A’s credentials, nothing of B or of the schedule', () => {
  it('B’s queues: adding, reading and removing jobs are refused (NOPERM), and B’s job is still there', async () => {
    const adminB = new Queue(measureQueueName(B), { connection: { host: '127.0.0.1', port: redis.port, password: ADMIN_PASSWORD }, prefix: PREFIX });
    const asA = new Queue(measureQueueName(B), { connection: options(`psq-tp-${A}`), prefix: PREFIX });
    const asAThroughput = new Queue(throughputQueueName(B), { connection: options(`psq-tp-${A}`), prefix: PREFIX });
    asA.on('error', () => undefined);
    try {
      const job = await adminB.add('b-job', { secret: 'b-data' }, { jobId: 'b-1' });
      await expect(asA.add('intruder', {})).rejects.toThrow(/NOPERM|no permissions/);
      await expect(asAThroughput.add('intruder', {})).rejects.toThrow(/NOPERM|no permissions/);
      await expect(asA.getJob(job.id!)).rejects.toThrow(/NOPERM|no permissions/);
      await expect(asA.getWaiting()).rejects.toThrow(/NOPERM|no permissions/);
      await expect(asA.remove(job.id!)).rejects.toThrow(/NOPERM|no permissions/);
      await expect(asA.obliterate({ force: true })).rejects.toThrow(/NOPERM|no permissions/);
      expect((await adminB.getJob('b-1'))?.data).toEqual({ secret: 'b-data' });
      expect(await adminB.getWaitingCount()).toBe(1);
    } finally {
      await Promise.all([adminB.close(), asA.close(), asAThroughput.close()]);
    }
  });

  it('a worker of A on B’s queue takes nothing', async () => {
    const adminB = new Queue(measureQueueName(B), { connection: { host: '127.0.0.1', port: redis.port, password: ADMIN_PASSWORD }, prefix: PREFIX });
    const errors: string[] = [];
    let took = 0;
    const w = new Worker(measureQueueName(B), async () => void took++, { connection: options(`psq-tp-${A}`), prefix: PREFIX, autorun: false });
    w.on('error', (e) => errors.push(e.message));
    try {
      void w.run().catch((e: Error) => errors.push(e.message));
      await eventually(() => errors.some((e) => /NOPERM|no permissions/.test(e)), { what: () => JSON.stringify(errors) });
      expect(took).toBe(0);
      expect(await adminB.getWaitingCount()).toBe(1);
    } finally {
      await w.close(true);
      await adminB.close();
    }
  });

  it('the schedule queue, B’s state, FLUSHALL, KEYS, SCAN, CONFIG and ACL are refused', async () => {
    const schedule = new Queue(SCHEDULE_QUEUE, { connection: options(`psq-tp-${A}`), prefix: PREFIX });
    const client = new Redis(options(`psq-tp-${A}`));
    try {
      await expect(schedule.add('tick', {})).rejects.toThrow(/NOPERM|no permissions/);
      await expect(schedule.getJobSchedulers()).rejects.toThrow(/NOPERM|no permissions/);
      await expect(client.set(`${PREFIX}:tp:${B}:heartbeat`, 'x')).rejects.toThrow(/NOPERM/);
      await expect(client.get(`${PREFIX}:tp:${B}:heartbeat`)).rejects.toThrow(/NOPERM/);
      await expect(client.set(`${PREFIX}:tp:${A}:heartbeat`, 'x')).resolves.toBe('OK');
      await expect(client.flushall()).rejects.toThrow(/NOPERM/);
      await expect(client.flushdb()).rejects.toThrow(/NOPERM/);
      await expect(client.keys('*')).rejects.toThrow(/NOPERM/);
      await expect(client.scan('0')).rejects.toThrow(/NOPERM/);
      await expect(client.call('CONFIG', 'GET', 'requirepass')).rejects.toThrow(/NOPERM/);
      await expect(client.call('ACL', 'LIST')).rejects.toThrow(/NOPERM/);
      await expect(client.call('CLIENT', 'KILL', 'TYPE', 'normal')).rejects.toThrow(/NOPERM/);
      // Commands that would stop or change the server are asked about, not run (ACL DRYRUN, as admin).
      for (const argv of [['SHUTDOWN', 'NOSAVE'], ['DEBUG', 'SLEEP', '0'], ['CONFIG', 'SET', 'appendonly', 'no'], ['SWAPDB', '0', '1'], ['MIGRATE', 'h', '1', 'k', '0', '1'], ['FUNCTION', 'FLUSH'], ['SCRIPT', 'FLUSH'], ['MONITOR']]) {
        expect(await admin.call('ACL', 'DRYRUN', `psq-tp-${A}`, ...argv), argv.join(' ')).toMatch(/no permissions/);
      }
      // …and the dry run does tell an allowed command apart.
      expect(await admin.call('ACL', 'DRYRUN', `psq-tp-${A}`, 'GET', `${PREFIX}:tp:${A}:x`)).toBe('OK');
      // A script cannot reach past the rules either: Redis checks the keys a script touches.
      await expect(client.eval(`return redis.call('GET', KEYS[1])`, 1, `${PREFIX}:${measureQueueName(B)}:meta`)).rejects.toThrow(/NOPERM|no permissions/);
      await expect(client.eval(`return redis.call('GET', '${PREFIX}:${measureQueueName(B)}:id')`, 0)).rejects.toThrow(/NOPERM|no permissions|can't access/);
    } finally {
      client.disconnect();
      await schedule.close();
    }
  });
});

describe('the central roles’ users', () => {
  it('the archive user reaches archive queues only; the scheduler’s user adds to testpoint queues but not archive ones', async () => {
    const asArchive = new Queue(measureQueueName(A), { connection: options('psq-archive'), prefix: PREFIX });
    const archiveOwn = new Queue(archiveQueueName(ARCHIVER), { connection: options('psq-archive'), prefix: PREFIX });
    try {
      await expect(asArchive.getJobCounts()).rejects.toThrow(/NOPERM|no permissions/);
      expect(await archiveOwn.count()).toBeGreaterThanOrEqual(1);
    } finally {
      await Promise.all([asArchive.close(), archiveOwn.close()]);
    }
    const schedArchive = new Queue(archiveQueueName(ARCHIVER), { connection: options('psq-scheduler'), prefix: PREFIX });
    const schedNew = new Queue(measureQueueName('tp-added-later'), { connection: options('psq-scheduler'), prefix: PREFIX });
    const dash = new Queue(measureQueueName(B), { connection: options('psq-dashboard'), prefix: PREFIX });
    try {
      await expect(schedArchive.count()).rejects.toThrow(/NOPERM|no permissions/);
      await expect(schedNew.add('m', {})).resolves.toBeDefined();
      expect(await dash.getWaitingCount()).toBe(1);
    } finally {
      await Promise.all([schedArchive.close(), schedNew.close(), dash.close()]);
    }
  });
});

describe('each central role starts and runs with its own user, nothing refused', () => {
  for (const [role, user] of [['scheduler', 'psq-scheduler'], ['archive', 'psq-archive'], ['dashboard', 'psq-dashboard']] as const) {
    it(`psq start ${role} as ${user}`, async () => {
      await admin.call('ACL', 'LOG', 'RESET');
      const env = baseEnv({ REDIS_URL: urlOf(user), CRON_EXPRESSION: '* * * * *', DASHBOARD_HOST: '127.0.0.1', DASHBOARD_PORT: String(await freePort()) });
      const child = execa(process.execPath, [PSQ_BIN, 'start', role], { env, extendEnv: false, reject: false, cwd: dir });
      let out = '';
      child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      try {
        await eventually(() => out.includes('"psq started"') || child.exitCode !== null, { timeoutMs: 30_000, what: () => out });
        expect(child.exitCode, out).toBeNull();
        const health = await runPsq(['health', role], env, { cwd: dir });
        expect(health.exitCode, `${health.stdout}${health.stderr}`).toBe(0);
      } finally {
        child.kill('SIGTERM');
      }
      const r = await child;
      expect(r.exitCode, String(r.stderr)).toBe(0);
      expect(await aclLog()).toEqual([]);
    }, 60_000);
  }
});

describe('a testpoint started with another testpoint’s user', () => {
  it('psq start measure as psq-tp-A with TESTPOINT=B: refused in one line naming the user problem, exit 2', async () => {
    const env = baseEnv({ REDIS_URL: urlOf(`psq-tp-${A}`), TESTPOINT: B });
    const r = await runPsq(['start', 'measure'], env, { cwd: dir, timeoutMs: 30_000 });
    expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(2);
    const all = `${r.stdout}\n${r.stderr}`;
    const lines = all.split('\n').filter((l) => l.includes("Redis refused REDIS_URL's user"));
    expect(lines, all).toHaveLength(1);
    expect(lines[0]).toContain(`${PREFIX}:throughput-${B}`);
    expect(lines[0]).toContain('psq acl');
    expect(all).not.toMatch(/^\s+at .+[(:]\d+/m);
    expect(all).not.toContain(passwords.get(`psq-tp-${A}`)!);
  }, 60_000);
});
