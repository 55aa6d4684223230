// Secrets never leave the dashboard: key names at any depth, the configured values, credentials in strings.
import { describe, expect, it } from 'vitest';
import { MASK, isSecretKey, maskSecrets, maskString } from '../../../src/dashboard/mask-secrets.js';

const TOKEN = 'tok-Zq9x-never-show-me';

describe('maskSecrets', () => {
  it('masks secret-named keys at any depth and leaves the rest alone', () => {
    const data = {
      url: 'https://archiver.example.org/ps',
      category: 'rtt',
      token: 'abc',
      body: { dst: { ip: '192.0.2.1', name: 'site-a' }, raw: { deep: [{ Password: 'p', apiKey: 'k', note: 'fine' }] } },
      headers: { Authorization: 'Bearer xyz', 'X-Request-ID': 'r1' },
      clientSecret: 's',
    };
    expect(maskSecrets(data, [])).toEqual({
      url: 'https://archiver.example.org/ps',
      category: 'rtt',
      token: MASK,
      body: { dst: { ip: '192.0.2.1', name: 'site-a' }, raw: { deep: [{ Password: MASK, apiKey: MASK, note: 'fine' }] } },
      headers: { Authorization: MASK, 'X-Request-ID': 'r1' },
      clientSecret: MASK,
    });
  });

  it('masks the configured token wherever it appears as a value, whole or inside text', () => {
    const out = JSON.stringify(maskSecrets({ a: TOKEN, b: [`said ${TOKEN}.`], c: { d: 42, e: null } }, [TOKEN, null, undefined]));
    expect(out).not.toContain(TOKEN);
    expect(out).toContain(MASK);
    expect(out).toContain('"d":42');
  });

  it('does not mutate its input and survives cycles', () => {
    const data: Record<string, unknown> = { token: 't' };
    data['self'] = data;
    const out = maskSecrets(data, []) as Record<string, unknown>;
    expect(data['token']).toBe('t');
    expect(out['self']).toBe('[Circular]');
  });

  it('keeps empty secret-named values (nothing to hide) and ignores too-short secrets', () => {
    expect(maskSecrets({ token: null, password: '' }, ['ab'])).toEqual({ token: null, password: '' });
    expect(maskSecrets({ note: 'ab cd' }, ['ab'])).toEqual({ note: 'ab cd' });
  });
});

describe('maskString', () => {
  it('masks bearer credentials, URL passwords and known secrets', () => {
    expect(maskString('Bearer abc.def', [])).toBe(MASK);
    expect(maskString('POST https://user:pa55@host.example/ps failed', [])).toBe(`POST https://${MASK}@host.example/ps failed`);
    expect(maskString(`x ${TOKEN} y ${TOKEN}`, [TOKEN])).toBe(`x ${MASK} y ${MASK}`);
  });

  it('leaves ordinary text alone', () => {
    expect(maskString('Basic latency check to site-a', [])).toBe('Basic latency check to site-a');
    expect(maskString('https://archiver.example.org/ps', [])).toBe('https://archiver.example.org/ps');
  });
});

describe('isSecretKey', () => {
  it.each(['token', 'authToken', 'PASSWORD', 'passwd', 'authorization', 'secret', 'api_key'])('%s is secret', (k) => {
    expect(isSecretKey(k)).toBe(true);
  });
  it.each(['testpoint', 'url', 'category', 'run_id', 'dest', 'raw'])('%s is not', (k) => {
    expect(isSecretKey(k)).toBe(false);
  });
});
