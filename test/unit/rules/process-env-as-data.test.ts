// Only the configuration loader reads process.env; everything else gets the environment psq started
// with as data, Config.processEnv and Config.path, filled by loadConfig from what it is given.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';

const ENV = { HOSTS: '192.0.2.1@a' };

describe('Config.processEnv and Config.path', () => {
  it('are a frozen copy of the process environment given, without unset names, and its PATH', () => {
    const given: Record<string, string | undefined> = { PATH: '/opt/bin:/usr/bin', AUTH_TOKEN: 'secret-1', GONE: undefined };
    const config = loadConfig(ENV, { hostname: 'h', inContainer: false, processEnv: given });
    expect(config.processEnv).toEqual({ PATH: '/opt/bin:/usr/bin', AUTH_TOKEN: 'secret-1' });
    expect(config.path).toBe('/opt/bin:/usr/bin');
    expect(Object.isFrozen(config.processEnv)).toBe(true);
    // The process's own environment stays writable (the config holds a copy).
    expect(Object.isFrozen(given)).toBe(false);
    given['PATH'] = '/elsewhere';
    expect(config.path).toBe('/opt/bin:/usr/bin');
  });

  it('are empty when no process environment is given: the env map (with the env file) is not one', () => {
    const config = loadConfig({ ...ENV, PATH: '/from/env-file' }, { hostname: 'h', inContainer: false });
    expect(config.processEnv).toEqual({});
    expect(config.path).toBe('');
  });
});
