// REDIS_CA_FILE, REDIS_CERT_FILE, REDIS_KEY_FILE: paths only (files are read by the CLI), refused
// where they could not apply.
import { describe, expect, it } from 'vitest';
import { loadConfig, readConfig, type Env } from '../../../src/config/load-config.js';

const context = { hostname: 'tp-1', inContainer: false };
const base: Env = { HOSTS: '10.0.0.1@site-a' };
const problems = (env: Env) => readConfig({ ...base, ...env }, context).problems;

describe('Redis TLS files in the configuration', () => {
  it('with a rediss:// URL the paths are kept as given (trimmed)', () => {
    const config = loadConfig({ ...base, REDIS_URL: 'rediss://redis.example:6380', REDIS_CA_FILE: ' /etc/psq/redis-ca.pem ', REDIS_CERT_FILE: '/c.pem', REDIS_KEY_FILE: '/k.pem' }, context);
    expect(config).toMatchObject({ redisCaFile: '/etc/psq/redis-ca.pem', redisCertFile: '/c.pem', redisKeyFile: '/k.pem' });
  });

  it('a CA alone is fine; unset means null', () => {
    expect(loadConfig({ ...base, REDIS_URL: 'rediss://r:6380', REDIS_CA_FILE: '/ca.pem' }, context)).toMatchObject({ redisCaFile: '/ca.pem', redisCertFile: null, redisKeyFile: null });
  });

  it('a certificate without its key (or the reverse) names both variables', () => {
    const [p] = problems({ REDIS_URL: 'rediss://r:6380', REDIS_CERT_FILE: '/c.pem' });
    expect(p?.variable).toBe('REDIS_KEY_FILE');
    expect(p?.expected).toContain('REDIS_CERT_FILE');
    const [q] = problems({ REDIS_URL: 'rediss://r:6380', REDIS_KEY_FILE: '/k.pem' });
    expect(q?.variable).toBe('REDIS_CERT_FILE');
    expect(q?.expected).toContain('REDIS_KEY_FILE');
  });

  it('with a redis:// URL (or none) a TLS file is refused, naming REDIS_URL without its password', () => {
    const ps = problems({ REDIS_URL: 'redis://:s3cret@r:6379', REDIS_CA_FILE: '/ca.pem', REDIS_CERT_FILE: '/c.pem', REDIS_KEY_FILE: '/k.pem' });
    expect(ps.map((p) => p.variable)).toEqual(['REDIS_CA_FILE', 'REDIS_CERT_FILE', 'REDIS_KEY_FILE']);
    for (const p of ps) {
      expect(p.expected).toContain('rediss://');
      expect(p.expected).toContain('REDIS_URL is redis://');
      expect(JSON.stringify(p)).not.toContain('s3cret');
    }
    expect(problems({ REDIS_CA_FILE: '/ca.pem' })[0]?.expected).toContain('REDIS_URL is unset');
  });
});
