// The systemd units in deploy/systemd: `systemd-analyze verify` accepts them (each role instance of the
// template, with its drop-ins), and they say what the README promises.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { VARIABLES } from '../../../src/config/variables.js';
import { readRepoFile, repoPath } from './compose-model.js';

type Unit = Record<string, Record<string, string[]>>;

/** INI as systemd reads it: [Section], Key=value (repeatable), # and ; comments, \ continuation. */
function parseUnit(text: string): Unit {
  const unit: Unit = {};
  let section = '';
  for (const raw of text.replace(/\\\n/g, ' ').split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const s = /^\[(.+)\]$/.exec(line);
    if (s) {
      section = s[1]!;
      unit[section] ??= {};
      continue;
    }
    const eq = line.indexOf('=');
    if (eq < 0 || section === '') throw new Error(`not a unit line: ${line}`);
    ((unit[section]![line.slice(0, eq).trim()] ??= [])).push(line.slice(eq + 1).trim());
  }
  return unit;
}

/** The value in force: the last assignment wins for single-valued keys. */
const one = (unit: Unit, section: string, key: string): string | undefined => unit[section]?.[key]?.at(-1);

const shutdownTimeoutS = Number(VARIABLES.find((v) => v.name === 'SHUTDOWN_TIMEOUT_S')!.default);
const template = parseUnit(readRepoFile('deploy/systemd/psq@.service'));
const measureDropIn = parseUnit(readRepoFile('deploy/systemd/psq@measure.service.d/net-raw.conf'));
const testpoint = parseUnit(readRepoFile('deploy/systemd/psq-testpoint.service'));

describe('psq@.service (native install, one instance per role)', () => {
  it('runs `psq start <role>` with Node from /usr/local/bin as the psq user, config from /etc/perfsonar-queue/env', () => {
    expect(one(template, 'Service', 'ExecStart')).toBe('/usr/local/bin/node /opt/perfsonar-queue/bin/psq.js start %i');
    expect(one(template, 'Service', 'EnvironmentFile')).toBe('/etc/perfsonar-queue/env');
    expect(one(template, 'Service', 'User')).toBe('psq');
    expect(one(template, 'Service', 'StateDirectory')).toBe('perfsonar-queue');
    expect(one(template, 'Service', 'WorkingDirectory')).toBe('/var/lib/perfsonar-queue');
    expect(one(template, 'Install', 'WantedBy')).toBe('multi-user.target');
  });

  it('restarts on failure and stops gracefully: SIGTERM to psq alone, for longer than SHUTDOWN_TIMEOUT_S', () => {
    expect(one(template, 'Service', 'Restart')).toBe('on-failure');
    expect(one(template, 'Service', 'KillSignal')).toBe('SIGTERM');
    expect(one(template, 'Service', 'KillMode')).toBe('mixed');
    expect(Number(one(template, 'Service', 'TimeoutStopSec'))).toBeGreaterThan(shutdownTimeoutS);
    expect(one(template, 'Unit', 'StartLimitIntervalSec')).toBe('0');
  });

  it('grants no capability, except CAP_NET_RAW to the measure instance (ping)', () => {
    expect(template['Service']!['CapabilityBoundingSet']).toEqual(['']);
    expect(template['Service']!['AmbientCapabilities']).toBeUndefined();
    expect(one(template, 'Service', 'NoNewPrivileges')).toBe('yes');
    expect(measureDropIn).toEqual({ Service: { AmbientCapabilities: ['CAP_NET_RAW'], CapabilityBoundingSet: ['CAP_NET_RAW'] } });
  });
});

describe('psq-testpoint.service (inside the testpoint container)', () => {
  it('runs the roles in PSQ_ROLES with the container environment passed through', () => {
    expect(one(testpoint, 'Service', 'ExecStart')).toBe('/usr/local/bin/node /opt/perfsonar-queue/bin/psq.js start $PSQ_ROLES');
    expect(one(testpoint, 'Service', 'PassEnvironment')?.split(' ')).toEqual(expect.arrayContaining(['HOSTS', 'ARCHIVE_URLS', 'AUTH_TOKEN', 'TZ', 'CRON_EXPRESSION', 'REDIS_URL', 'PSQ_ROLES']));
    // Environment= would override what the container passes in.
    expect(testpoint['Service']!['Environment']).toBeUndefined();
    expect(testpoint['Service']!['EnvironmentFile']).toBeUndefined();
  });

  it('logs to the journal and to the console (the container tty), restarts, stops gracefully, pings', () => {
    expect(one(testpoint, 'Service', 'StandardOutput')).toBe('journal+console');
    expect(one(testpoint, 'Service', 'StandardError')).toBe('journal+console');
    expect(one(testpoint, 'Service', 'Restart')).toBe('on-failure');
    expect(one(testpoint, 'Service', 'KillSignal')).toBe('SIGTERM');
    expect(one(testpoint, 'Service', 'KillMode')).toBe('mixed');
    expect(Number(one(testpoint, 'Service', 'TimeoutStopSec'))).toBeGreaterThan(shutdownTimeoutS);
    expect(one(testpoint, 'Service', 'AmbientCapabilities')).toBe('CAP_NET_RAW');
    expect(one(testpoint, 'Service', 'User')).toBe('psq');
    expect(one(testpoint, 'Unit', 'After')).toContain('pscheduler-runner.service');
  });

  it('hands /data to psq (as root, "+") before starting', () => {
    expect(one(testpoint, 'Service', 'ExecStartPre')).toMatch(/^\+\/usr\/bin\/find \/data -xdev .* -exec chown -h psq:psq \{\} \+$/);
  });
});

// systemd-analyze verify needs no running systemd: it loads the units from a directory tree given as
// --root, checks every directive and that the commands exist there.
const analyze = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
const haveAnalyze = analyze.status === 0 && existsSync('/usr/lib/systemd/system/multi-user.target');
if (!haveAnalyze) {
  process.stderr.write(
    'systemd.test: systemd-analyze (Debian package systemd) or /usr/lib/systemd/system is missing here, so ' +
      '`systemd-analyze verify` is skipped; the unit files were still parsed and checked above.\n',
  );
}

describe.skipIf(!haveAnalyze)('systemd-analyze verify', () => {
  const root = mkdtempSync(join(tmpdir(), 'psq-units-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  /** A root with the distribution's units, stubs at the commands' paths, and ours in /etc/systemd/system. */
  function makeRoot(units: Record<string, string>): string {
    const dir = mkdtempSync(join(root, 'r-'));
    mkdirSync(join(dir, 'usr/lib/systemd'), { recursive: true });
    cpSync('/usr/lib/systemd/system', join(dir, 'usr/lib/systemd/system'), { recursive: true, dereference: false });
    for (const exe of ['usr/local/bin/node', 'usr/bin/find']) {
      mkdirSync(join(dir, exe, '..'), { recursive: true });
      writeFileSync(join(dir, exe), '#!/bin/sh\n');
      chmodSync(join(dir, exe), 0o755);
    }
    for (const [path, text] of Object.entries(units)) {
      mkdirSync(join(dir, 'etc/systemd/system', path, '..'), { recursive: true });
      writeFileSync(join(dir, 'etc/systemd/system', path), text);
    }
    return dir;
  }

  function verify(dir: string, unit: string): { status: number | null; output: string } {
    const r = spawnSync('systemd-analyze', ['verify', '--man=no', `--root=${dir}`, unit], { encoding: 'utf8' });
    return { status: r.status, output: `${r.stdout}${r.stderr}`.trim() };
  }

  const ours = {
    'psq@.service': readFileSync(repoPath('deploy/systemd/psq@.service'), 'utf8'),
    'psq@measure.service.d/net-raw.conf': readFileSync(repoPath('deploy/systemd/psq@measure.service.d/net-raw.conf'), 'utf8'),
    'psq-testpoint.service': readFileSync(repoPath('deploy/systemd/psq-testpoint.service'), 'utf8'),
  };

  it.each(['psq@scheduler.service', 'psq@measure.service', 'psq@archive.service', 'psq@dashboard.service', 'psq@responder.service', 'psq-testpoint.service'])(
    '%s: no findings',
    (unit) => {
      expect(verify(makeRoot(ours), unit)).toEqual({ status: 0, output: '' });
    },
  );

  it('the measure instance gets its drop-in (CAP_NET_RAW)', () => {
    const dir = makeRoot(ours);
    const shown = execFileSync('systemd-analyze', [`--root=${dir}`, 'cat-config', 'systemd/system/psq@measure.service.d/net-raw.conf'], { encoding: 'utf8' });
    expect(shown).toContain('AmbientCapabilities=CAP_NET_RAW');
  });

  it('reports what it should: a misspelt key, a bad value, a missing executable', () => {
    const bad = ours['psq@.service'].replace('KillMode=mixed', 'KilMode=mixed').replace('Restart=on-failure', 'Restart=sometimes');
    const out = verify(makeRoot({ ...ours, 'psq@.service': bad }), 'psq@archive.service').output;
    expect(out).toContain("Unknown key 'KilMode'");
    expect(out).toContain('sometimes');
    const dir = makeRoot(ours);
    rmSync(join(dir, 'usr/local/bin/node'));
    expect(verify(dir, 'psq@archive.service').output).toContain('/usr/local/bin/node');
  });
});
