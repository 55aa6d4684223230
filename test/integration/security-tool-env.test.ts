// Issue 9.4: the tools psq runs get a scrubbed environment. Env-dumping STAND-INs named pscheduler,
// ping, iperf3, traceroute and tracepath sit first on PATH; each writes its environment to a file
// and then runs the real program (the pscheduler stand-in for pscheduler), so `psq run-once` goes
// through the real measure path (and the direct backend's iperf3 responder) with both backends.
import { chmodSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { execaSync } from 'execa';
import { beforeEach, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/ports.js';
import { runPsq } from '../helpers/psq.js';
import { TEST_REDIS_URL } from '../helpers/redis.js';
import { STANDIN_BIN_DIR } from '../helpers/standin.js';
import { testDir, testPrefix } from '../helpers/test-context.js';

/** Secrets by name and a value that must never show up in a tool's environment. */
const SECRETS = {
  AUTH_TOKEN: 'leak-auth-token-5f1c',
  DASHBOARD_PASSWORD: 'leak-dashboard-pw-77aa',
  REDIS_URL: TEST_REDIS_URL,
  X_PASSWORD: 'leak-x-password-0b3e',
  Y_TOKEN: 'leak-y-token-9d02',
  Z_SECRET: 'leak-z-secret-41f8',
};

let bin: string;
let dumps: string;

beforeEach(() => {
  bin = join(testDir(), 'bin');
  dumps = join(testDir(), 'dumps');
  execaSync('mkdir', ['-p', bin, dumps]);
  const real = (name: string) => execaSync('sh', ['-c', `command -v ${name}`]).stdout.trim();
  // The dump directory is written into each script (the scrubbed environment could not carry it);
  // one file per start ($$: the pid), as the responder's iperf3 -s and the client run side by side.
  const dumper = (name: string, target: string[]) => {
    const file = join(bin, name);
    writeFileSync(file, `#!/bin/sh\nenv > '${dumps}/${name}.'$$\nexec ${target.map((t) => `'${t}'`).join(' ')} "$@"\n`);
    chmodSync(file, 0o755);
  };
  dumper('pscheduler', [process.execPath, join(STANDIN_BIN_DIR, 'pscheduler')]);
  for (const tool of ['ping', 'iperf3', 'traceroute', 'tracepath']) dumper(tool, [real(tool)]);
});

/** Each tool start: its name and environment. */
function readDump(): { tool: string; env: Record<string, string> }[] {
  return readdirSync(dumps).map((name) => {
    const lines = readFileSync(join(dumps, name), 'utf8').split('\n');
    const env = Object.fromEntries(lines.filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    return { tool: name.slice(0, name.lastIndexOf('.')), env };
  });
}

const ordinary = () => ({
  PATH: `${bin}${delimiter}${process.env['PATH'] ?? ''}`,
  HOME: testDir(),
  LANG: 'C.UTF-8',
  TZ: 'Europe/Oslo',
});

const settings = (backend: 'pscheduler' | 'direct', iperf3Port: number) => ({
  BACKEND: backend,
  HOSTS: '127.0.0.1@loopback',
  TESTPOINT: 'tp-env',
  QUEUE_PREFIX: testPrefix(),
  DATA_DIR: join(testDir(), 'data'),
  ARCHIVE_URLS: '',
  DASHBOARD_USER: 'admin',
  TESTS: backend === 'direct' ? 'rtt throughput trace mtu' : 'rtt throughput',
  REVERSE: 'false',
  RTT_ARGS: '--count 2 --interval 0.2',
  THROUGHPUT_ARGS: '-t 1',
  IPERF3_ARGS: '-i 1',
  IPERF3_PORT: String(iperf3Port),
  TRACE_ARGS: '--hops 3',
  MEASURE_ATTEMPTS: '1',
});

const envFileText = (vars: Record<string, string>) => Object.entries(vars).map(([k, v]) => `${k}=${v}`).join('\n') + '\n';

describe('tools get a scrubbed environment (stand-in dumpers on PATH)', () => {
  for (const backend of ['pscheduler', 'direct'] as const) {
    for (const from of ['process environment', 'env-file'] as const) {
      it(`stand-in ${backend} backend, secrets in the ${from}: no secret reaches any tool; PATH, HOME, LANG, TZ do`, async () => {
        const port = await freePort();
        const envFile = join(testDir(), 'psq.env');
        const processEnv: Record<string, string> = { ...ordinary() };
        if (from === 'env-file') {
          writeFileSync(envFile, envFileText({ ...settings(backend, port), ...SECRETS }));
        } else {
          writeFileSync(envFile, envFileText(settings(backend, port)));
          Object.assign(processEnv, SECRETS);
        }
        const r = await runPsq(['run-once', '--env-file', envFile, '--archive-wait', '0'], processEnv, { cwd: testDir(), timeoutMs: 90_000 });
        expect(r.exitCode, r.stdout + r.stderr).toBe(0);

        const starts = readDump();
        const tools = new Set(starts.map((s) => s.tool));
        expect(tools).toEqual(new Set(backend === 'pscheduler' ? ['pscheduler'] : ['ping', 'iperf3', 'traceroute', 'tracepath']));
        // The direct backend's round also started the iperf3 responder (server) through the dumper.
        if (backend === 'direct') expect(starts.filter((s) => s.tool === 'iperf3').length).toBeGreaterThanOrEqual(2);
        for (const { tool, env } of starts) {
          for (const name of Object.keys(SECRETS)) expect(env, `${tool} got ${name}`).not.toHaveProperty(name);
          const all = Object.entries(env).map(([k, v]) => `${k}=${v}`).join('\n');
          for (const value of Object.values(SECRETS).filter((v) => v !== TEST_REDIS_URL)) expect(all, tool).not.toContain(value);
          expect(all, tool).not.toContain('DASHBOARD_USER');
          expect(env['PATH'], tool).toBe(processEnv['PATH']);
          expect(env['HOME'], tool).toBe(testDir());
          expect(env['LANG'], tool).toBe('C.UTF-8');
          expect(env['TZ'], tool).toBe('Europe/Oslo');
        }
      });
    }
  }
});
