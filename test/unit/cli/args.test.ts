import { describe, expect, it } from 'vitest';
import { parseCliArgs } from '../../../src/cli/args.js';
import { needsHosts } from '../../../src/cli/checked-config.js';

describe('psq command line', () => {
  it('start with no role leaves the choice of the default set to the backend', () => {
    expect(parseCliArgs(['start'])).toEqual({ ok: true, args: { command: 'start', roles: [], envFile: null, archiveWaitS: 120, since: null, until: null, category: null, archiver: null, enqueueOnly: false, from: null, legacy: false, json: false, testpoint: null } });
  });
  it('status takes --json; --json goes with status only', () => {
    expect(parseCliArgs(['status'])).toMatchObject({ ok: true, args: { command: 'status', json: false } });
    expect(parseCliArgs(['status', '--json'])).toMatchObject({ ok: true, args: { command: 'status', json: true } });
    expect(parseCliArgs(['plan', '--json'])).toEqual({ ok: false, error: '--json only goes with status' });
  });
  it('--testpoint names one testpoint of the fleet, for plan, run-once and start only', () => {
    expect(parseCliArgs(['run-once', '--testpoint', 'ship-1'])).toMatchObject({ ok: true, args: { command: 'run-once', testpoint: 'ship-1' } });
    expect(parseCliArgs(['start', 'measure', '--testpoint', 'ship.2_a'])).toMatchObject({ ok: true, args: { command: 'start', roles: ['measure'], testpoint: 'ship.2_a' } });
    expect(parseCliArgs(['plan', '--testpoint', 'ship-1'])).toMatchObject({ ok: true, args: { command: 'plan', testpoint: 'ship-1' } });
    expect(parseCliArgs(['run-once'])).toMatchObject({ ok: true, args: { testpoint: null } });
    expect(parseCliArgs(['run-once', '--testpoint'])).toEqual({ ok: false, error: '--testpoint needs a testpoint id' });
    expect(parseCliArgs(['run-once', '--testpoint', 'ship:1'])).toEqual({ ok: false, error: '--testpoint "ship:1": expected a testpoint id (1 to 64 of letters, digits, . _ -)' });
    expect(parseCliArgs(['replay', '--since', '1h', '--testpoint', 'ship-1'])).toEqual({ ok: false, error: '--testpoint only goes with plan, run-once and start' });
    expect(parseCliArgs(['health', 'measure', '--testpoint', 'ship-1'])).toEqual({ ok: false, error: '--testpoint only goes with plan, run-once and start' });
  });
  it('start with named roles', () => {
    expect(parseCliArgs(['start', 'measure', 'archive', 'measure'])).toMatchObject({ ok: true, args: { roles: ['measure', 'archive'] } });
  });
  it('options', () => {
    expect(parseCliArgs(['run-once', '--env-file', 'x.env', '--archive-wait', '5'])).toMatchObject({ ok: true, args: { command: 'run-once', envFile: 'x.env', archiveWaitS: 5 } });
  });
  it('errors name the bad word and what is expected', () => {
    expect(parseCliArgs(['frobnicate'])).toEqual({ ok: false, error: expect.stringContaining('unknown command "frobnicate": expected one of plan') });
    expect(parseCliArgs(['start', 'web'])).toEqual({ ok: false, error: expect.stringContaining('roles are scheduler, measure, archive, dashboard, responder') });
    expect(parseCliArgs(['run-once', '--archive-wait', 'soon'])).toEqual({ ok: false, error: expect.stringContaining('expected seconds') });
  });
  it('no command is help', () => {
    expect(parseCliArgs([])).toMatchObject({ ok: true, args: { command: 'help' } });
  });
  it('replay and retry-failed options', () => {
    expect(parseCliArgs(['replay', '--since', '24h', '--category', 'rtt', '--archiver', 'https://a/ps', '--enqueue-only'])).toMatchObject({
      ok: true,
      args: { command: 'replay', since: '24h', until: null, category: 'rtt', archiver: 'https://a/ps', enqueueOnly: true },
    });
    expect(parseCliArgs(['replay'])).toEqual({ ok: false, error: 'replay needs --since TIME' });
    expect(parseCliArgs(['retry-failed', '--since', '1h'])).toEqual({ ok: false, error: '--since only goes with replay' });
    expect(parseCliArgs(['replay', '--since', '24h', '--legacy'])).toMatchObject({ ok: true, args: { legacy: true, from: null } });
    expect(parseCliArgs(['retry-failed', '--from', 'http://old/ps', '--category', 'rtt'])).toMatchObject({ ok: true, args: { from: 'http://old/ps', category: 'rtt', legacy: false } });
    expect(parseCliArgs(['retry-failed', '--legacy'])).toEqual({ ok: false, error: '--legacy only goes with replay' });
    expect(parseCliArgs(['replay', '--since', '1h', '--from', 'http://old/ps'])).toEqual({ ok: false, error: '--from only goes with retry-failed' });
    expect(parseCliArgs(['retry-failed', '--from'])).toEqual({ ok: false, error: '--from needs a value' });
  });
});

describe('which commands need HOSTS', () => {
  it('planning and measuring do; delivering, the dashboard and the responder do not', () => {
    const need = (command: string, roles: string[] = []) => needsHosts({ command, roles } as unknown as Parameters<typeof needsHosts>[0]);
    expect(need('plan')).toBe(true);
    expect(need('run-once')).toBe(true);
    expect(need('start')).toBe(true);
    expect(need('start', ['measure'])).toBe(true);
    expect(need('start', ['scheduler', 'dashboard'])).toBe(true);
    expect(need('start', ['archive', 'dashboard'])).toBe(false);
    expect(need('start', ['responder'])).toBe(false);
    expect(need('replay')).toBe(false);
    expect(need('retry-failed')).toBe(false);
  });
});
