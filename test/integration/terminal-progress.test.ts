// Issue 10.11: at a terminal, run-once, replay and retry-failed show a live progress line and readable
// log lines; without a terminal (or with LOG_FORMAT=json) stderr stays JSON lines. The terminal is a real
// pseudo-terminal made by script(1).
import { execa } from 'execa';
import { beforeEach, describe, expect, it } from 'vitest';
import { startArchiverServer, type ArchiverServer } from '../helpers/archiver-server.js';
import { PSQ_BIN, psqEnv, runPsq } from '../helpers/psq.js';
import { onCleanup, testDir } from '../helpers/test-context.js';

const TOKEN = 'tok-terminal-3c9a';
const READABLE = /^\d\d:\d\d:\d\d (TRACE|DEBUG|INFO |WARN |ERROR|FATAL) \S/;
let archiver: ArchiverServer;

beforeEach(async () => {
  archiver = await startArchiverServer({ token: TOKEN });
  onCleanup(() => archiver.close());
});

function env(over: Record<string, string> = {}): Record<string, string> {
  return psqEnv({
    BACKEND: 'pscheduler',
    HOSTS: '192.0.2.10@alpha 192.0.2.11@beta',
    TESTS: 'rtt mtu',
    ARCHIVE_URLS: archiver.url,
    AUTH_TOKEN: TOKEN,
    TESTPOINT: 'tp-tty',
    ...over,
  });
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** psq run under script(1): stdout and stderr are a pseudo-terminal; returns what the terminal showed. */
async function atTerminal(args: string[], environment: Record<string, string>): Promise<{ exitCode: number | undefined; screen: string; lines: string[] }> {
  const command = [process.execPath, PSQ_BIN, ...args].map(quote).join(' ');
  const r = await execa('script', ['-qfec', command, '/dev/null'], { env: environment, extendEnv: false, reject: false, cwd: testDir(), timeout: 120_000 });
  const screen = String(r.stdout);
  // Each \r (the status line being redrawn) or newline starts a new piece; the clear-line code goes.
  const lines = screen.replace(/\x1b\[2K/g, '').split(/\r\n|\r|\n/).filter((l) => l.trim() !== '');
  return { exitCode: r.exitCode, screen, lines };
}

describe('at a terminal', () => {
  it('stand-in: run-once shows a live progress line and readable log lines, then the summary', async () => {
    const r = await atTerminal(['run-once'], env());
    expect(r.exitCode, r.screen).toBe(0);
    const progress = r.lines.filter((l) => /^measurements \d+\/\d+ done/.test(l));
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)).toMatch(/^measurements 4\/4 done \(4 ok, 0 failed, 0 skipped\) · deliveries 4 accepted, 0 failed, 0 pending · \d+:\d\d$/);
    const logLines = r.lines.filter((l) => READABLE.test(l));
    expect(logLines.some((l) => l.includes('INFO  run-once: round enqueued'))).toBe(true);
    expect(r.lines.filter((l) => l.trimStart().startsWith('{"level"'))).toEqual([]);
    expect(r.lines).toContain('OK');
    // The status line is cleared before the summary, so the summary starts on a line of its own.
    expect(r.lines.some((l) => l.startsWith('round ') && l.includes('on testpoint tp-tty'))).toBe(true);
  });

  it('stand-in: replay shows deliveries accepted/pending on the progress line', async () => {
    expect((await runPsq(['run-once'], env(), { cwd: testDir() })).exitCode).toBe(0);
    const r = await atTerminal(['replay', '--since', '1h'], env());
    expect(r.exitCode, r.screen).toBe(0);
    const progress = r.lines.filter((l) => /^deliveries \d+ accepted/.test(l));
    expect(progress.at(-1)).toMatch(/^deliveries 4 accepted, 0 failed, 0 pending · \d+:\d\d$/);
  });

  it('stand-in: LOG_FORMAT=json keeps JSON log lines even at a terminal', async () => {
    const r = await atTerminal(['run-once'], env({ LOG_FORMAT: 'json' }));
    expect(r.exitCode, r.screen).toBe(0);
    expect(r.lines.filter((l) => READABLE.test(l))).toEqual([]);
    expect(r.lines.some((l) => l.startsWith('{"level"') && l.includes('run-once: round enqueued'))).toBe(true);
  });
});

describe('not at a terminal', () => {
  it('stand-in: run-once writes JSON lines only on stderr, no progress line', async () => {
    const r = await runPsq(['run-once'], env(), { cwd: testDir() });
    expect(r.exitCode).toBe(0);
    const lines = r.stderr.split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(3);
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    expect(r.stderr).not.toContain('measurements 4/4 done');
    expect(r.stderr).not.toContain('\x1b[');
  });
});
