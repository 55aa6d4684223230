// A real Config for tests, built through loadConfig so tests exercise the same rules as users.
import type { Config } from '../../src/config/config.js';
import { loadConfig } from '../../src/config/load-config.js';

export function testConfig(env: Record<string, string>): Config {
  return loadConfig({ HOSTS: '127.0.0.1@loopback', ...env }, { hostname: 'test-host', inContainer: false, processEnv: process.env });
}
