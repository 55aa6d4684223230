// Issue 10.9: which machine checks each command needs (only what it will use). Pure.
import { describe, expect, it } from 'vitest';
import { checksFor } from '../../../src/cli/preflight.js';

describe('checksFor', () => {
  it('run-once writes results and delivers; replay and retry-failed only deliver; plan and health touch nothing', () => {
    expect(checksFor({ command: 'run-once', roles: [] })).toEqual({ dataDir: true, caFile: true, dashboardPort: false });
    expect(checksFor({ command: 'replay', roles: [] })).toEqual({ dataDir: false, caFile: true, dashboardPort: false });
    expect(checksFor({ command: 'retry-failed', roles: [] })).toEqual({ dataDir: false, caFile: true, dashboardPort: false });
    expect(checksFor({ command: 'plan', roles: [] })).toEqual({ dataDir: false, caFile: false, dashboardPort: false });
    expect(checksFor({ command: 'health', roles: ['dashboard'] })).toEqual({ dataDir: false, caFile: false, dashboardPort: false });
  });

  it('start checks what its roles use; no roles named = the default set', () => {
    expect(checksFor({ command: 'start', roles: [] })).toEqual({ dataDir: true, caFile: true, dashboardPort: true });
    expect(checksFor({ command: 'start', roles: ['measure'] })).toEqual({ dataDir: true, caFile: false, dashboardPort: false });
    expect(checksFor({ command: 'start', roles: ['archive', 'dashboard'] })).toEqual({ dataDir: false, caFile: true, dashboardPort: true });
  });
});

describe('usesRedis', () => {
  it('commands that connect to Redis check its TLS files; plan, acl and a responder-only start do not', async () => {
    const { usesRedis } = await import('../../../src/cli/preflight.js');
    for (const command of ['run-once', 'replay', 'retry-failed', 'status'] as const) expect(usesRedis({ command, roles: [] })).toBe(true);
    expect(usesRedis({ command: 'health', roles: ['measure'] })).toBe(true);
    expect(usesRedis({ command: 'start', roles: [] })).toBe(true);
    expect(usesRedis({ command: 'start', roles: ['responder'] })).toBe(false);
    expect(usesRedis({ command: 'plan', roles: [] })).toBe(false);
    expect(usesRedis({ command: 'acl', roles: [] })).toBe(false);
  });
});
