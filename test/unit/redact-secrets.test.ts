import { describe, expect, it } from 'vitest';
import { configuredSecrets, REDACTED, redactSecrets, secretRedactor } from '../../src/redact-secrets.js';

const TOKEN = 'tok-Zq9x-never-log-me';

describe('redactSecrets', () => {
  it('removes the configured token wherever it appears, also JSON-escaped and URL-encoded', () => {
    expect(redactSecrets(`invalid token: ${TOKEN}!`, [TOKEN])).toBe(`invalid token: ${REDACTED}!`);
    const odd = 'a"b\\c/d e';
    expect(redactSecrets(JSON.stringify({ got: odd }), [odd])).toBe(`{"got":"${REDACTED}"}`);
    expect(redactSecrets(`?t=${encodeURIComponent(odd)}`, [odd])).toBe(`?t=${REDACTED}`);
  });

  it('removes the value of any Bearer or Basic credential, in any case and as echoed in JSON or a URL', () => {
    expect(redactSecrets('invalid token: Bearer abc.def-123')).toBe(`invalid token: Bearer ${REDACTED}`);
    expect(redactSecrets('{"authorization":"bearer xyz"}')).toBe(`{"authorization":"bearer ${REDACTED}"}`);
    expect(redactSecrets('got BASIC dXNlcjpwdw==, expected none')).toBe(`got BASIC ${REDACTED}, expected none`);
    expect(redactSecrets('/echo?h=Bearer%20xyz')).toBe(`/echo?h=Bearer%20${REDACTED}`);
    expect(redactSecrets(`Bearer ${REDACTED}`)).toBe(`Bearer ${REDACTED}`);
  });

  it('removes user:password in URLs', () => {
    expect(redactSecrets('redirect to https://u:pw@h/ps')).toBe(`redirect to https://${REDACTED}@h/ps`);
  });

  it('removes a secret cut off at the end of a clipped text', () => {
    const clipped = `echo: ${TOKEN.slice(0, 9)}`;
    expect(redactSecrets(clipped, [TOKEN])).toBe(`echo: ${REDACTED}`);
    // Fewer than 4 characters of it cannot be told from ordinary text.
    expect(redactSecrets('echo: tok', [TOKEN])).toBe('echo: tok');
  });

  it('removes the longer of two overlapping secrets whole', () => {
    expect(redactSecrets('x secret-long y', ['secret', 'secret-long'])).toBe(`x ${REDACTED} y`);
  });

  it('leaves text without secrets alone and ignores empty or very short secrets', () => {
    const text = 'HTTP 401 (bad or missing token: check AUTH_TOKEN)';
    expect(redactSecrets(text, [null, undefined, '', 'a', '401'])).toBe(text);
  });

  it('secretRedactor binds the list', () => {
    expect(secretRedactor([TOKEN])(`x ${TOKEN}`)).toBe(`x ${REDACTED}`);
  });
});

describe('configuredSecrets', () => {
  it('lists the token, the dashboard password and a Redis password', () => {
    expect(configuredSecrets({ authToken: 't0ken', dashboardPassword: 'dash-pw', redisUrl: 'redis://:r%40pw@h:6379/0' })).toEqual(['t0ken', 'dash-pw', 'r@pw']);
    expect(configuredSecrets({ authToken: null, dashboardPassword: null, redisUrl: 'redis://h:6379?password=qpw1' })).toEqual(['qpw1']);
    expect(configuredSecrets({ authToken: null, dashboardPassword: null, redisUrl: null })).toEqual([]);
  });
});
