import { describe, expect, it } from 'vitest';
import { parseCliArgs } from '../../../src/cli/args.js';

describe('psq command line', () => {
  it('start with no role means every role', () => {
    expect(parseCliArgs(['start'])).toEqual({ ok: true, args: { command: 'start', roles: ['scheduler', 'measure', 'archive'], envFile: null, archiveWaitS: 120 } });
  });
  it('start with named roles', () => {
    expect(parseCliArgs(['start', 'measure', 'archive', 'measure'])).toMatchObject({ ok: true, args: { roles: ['measure', 'archive'] } });
  });
  it('options', () => {
    expect(parseCliArgs(['run-once', '--env-file', 'x.env', '--archive-wait', '5'])).toMatchObject({ ok: true, args: { command: 'run-once', envFile: 'x.env', archiveWaitS: 5 } });
  });
  it('errors name the bad word and what is expected', () => {
    expect(parseCliArgs(['frobnicate'])).toEqual({ ok: false, error: expect.stringContaining('unknown command "frobnicate": expected one of plan') });
    expect(parseCliArgs(['start', 'web'])).toEqual({ ok: false, error: expect.stringContaining('roles are scheduler, measure, archive') });
    expect(parseCliArgs(['run-once', '--archive-wait', 'soon'])).toEqual({ ok: false, error: expect.stringContaining('expected seconds') });
  });
  it('no command is help', () => {
    expect(parseCliArgs([])).toMatchObject({ ok: true, args: { command: 'help' } });
  });
});
