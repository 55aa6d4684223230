import { describe, expect, it } from 'vitest';
import { classifyNetworkError, classifyStatus } from '../../../src/archive/classify.js';

function codeError(code: string, message = code): Error {
  return Object.assign(new Error(message), { code });
}

describe('classifyStatus', () => {
  it('delivers every 2xx', () => {
    for (const s of [200, 201, 202, 204, 299]) expect(classifyStatus(s).outcome).toBe('delivered');
  });

  it('retries 408, 429 and every 5xx', () => {
    for (const s of [408, 429, 500, 502, 503, 504, 507, 599]) expect(classifyStatus(s).outcome, String(s)).toBe('retry');
  });

  it('rejects other 4xx with a reason that names the fix', () => {
    for (const s of [400, 401, 403, 404, 405, 409, 413, 415, 422, 451]) expect(classifyStatus(s).outcome, String(s)).toBe('reject');
    expect(classifyStatus(401).reason).toMatch(/AUTH_TOKEN/);
    expect(classifyStatus(404).reason).toMatch(/\/ps/);
  });

  it('rejects redirects: following one would carry the token elsewhere', () => {
    for (const s of [301, 302, 307, 308]) {
      const c = classifyStatus(s);
      expect(c.outcome).toBe('reject');
      expect(c.reason).toMatch(/redirects are not followed; fix the URL/);
    }
  });

  it('retries statuses outside the HTTP ranges', () => {
    expect(classifyStatus(199).outcome).toBe('retry');
    expect(classifyStatus(600).outcome).toBe('retry');
  });
});

describe('classifyNetworkError', () => {
  it.each([
    ['UND_ERR_CONNECT_TIMEOUT', /connect timed out/],
    ['UND_ERR_HEADERS_TIMEOUT', /no answer within the timeout/],
    ['UND_ERR_BODY_TIMEOUT', /stopped arriving/],
    ['UND_ERR_SOCKET', /closed/],
    ['ECONNREFUSED', /refused/],
    ['ECONNRESET', /reset/],
    ['ENOTFOUND', /DNS/],
    ['EAI_AGAIN', /DNS/],
  ])('retries %s with a short reason', (code, reason) => {
    const c = classifyNetworkError(codeError(code));
    expect(c).toMatchObject({ outcome: 'retry', code, tls: false });
    expect(c.reason).toMatch(reason);
    expect(c.reason).toContain(code);
  });

  it('finds the code in a wrapped cause', () => {
    const err = new TypeError('fetch failed', { cause: codeError('ECONNREFUSED') });
    expect(classifyNetworkError(err).code).toBe('ECONNREFUSED');
  });

  it('retries certificate errors but says to set ARCHIVE_CA_FILE', () => {
    for (const code of ['DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'CERT_HAS_EXPIRED']) {
      const c = classifyNetworkError(codeError(code));
      expect(c).toMatchObject({ outcome: 'retry', tls: true, code });
      expect(c.reason).toMatch(/ARCHIVE_CA_FILE/);
    }
  });

  it('says a host name mismatch is about the URL or the certificate', () => {
    const c = classifyNetworkError(codeError('ERR_TLS_CERT_ALTNAME_INVALID'));
    expect(c).toMatchObject({ outcome: 'retry', tls: true });
    expect(c.reason).toMatch(/host name/);
  });

  it('recognises an overall timeout and a cancel by name', () => {
    expect(classifyNetworkError(new DOMException('timed out', 'TimeoutError')).code).toBe('TimeoutError');
    expect(classifyNetworkError(new DOMException('aborted', 'AbortError')).code).toBe('AbortError');
  });

  it('retries unknown errors, keeping their message', () => {
    const c = classifyNetworkError(new Error('something odd'));
    expect(c).toMatchObject({ outcome: 'retry', code: null, tls: false });
    expect(c.reason).toContain('something odd');
    expect(classifyNetworkError('a string').reason).toContain('a string');
  });
});
