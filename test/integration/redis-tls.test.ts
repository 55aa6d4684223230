// Issue 12: a fleet's Redis reached over networks it does not own. A private redis-server that speaks
// only TLS (no plain port), certificates made by openssl for this test: psq connects with rediss://
// and REDIS_CA_FILE, with a client certificate where the server asks for one, and a certificate
// problem is one line and exit 2 (configuration: retrying cannot help until a file changes).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import { PSQ_BIN, runPsq } from '../helpers/psq.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { createTestCa, type TestCa } from '../helpers/test-ca.js';

const STACK_LINE = /^\s+at .+[(:]\d+/m;

let ca: TestCa;
let dir: string;
/** TLS only; client certificates optional. Listens on 127.0.0.1 and 127.0.0.2 (a name its certificate lacks). */
let optional: RedisServer;
/** TLS only; a client certificate signed by the test CA required. */
let required: RedisServer;

const tlsArgs = (auth: 'optional' | 'yes') => (port: number) => [
  '--bind', '127.0.0.1', '127.0.0.2',
  '--port', '0',
  '--tls-port', String(port),
  '--tls-cert-file', ca.server.certPath,
  '--tls-key-file', ca.server.keyPath,
  '--tls-ca-cert-file', ca.ca.certPath,
  '--tls-auth-clients', auth,
];

beforeAll(async () => {
  ca = await createTestCa();
  dir = mkdtempSync(join(tmpdir(), 'psq-redis-tls-'));
  const withClient = (port: number) => ({ host: '127.0.0.1', port, tls: { ca: ca.ca.cert, cert: ca.client.cert, key: ca.client.key } });
  [optional, required] = await Promise.all([startRedisServer(tlsArgs('optional'), withClient), startRedisServer(tlsArgs('yes'), withClient)]);
}, 60_000);

afterAll(async () => {
  await Promise.all([optional?.destroy(), required?.destroy()]);
  await ca?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

let n = 0;
/** The quick start (examples/quickstart.env) cut to rtt: the direct backend pinging this machine's loopback. */
function env(server: RedisServer, extra: Record<string, string> = {}, host = '127.0.0.1'): Record<string, string> {
  n += 1;
  return {
    PATH: process.env['PATH'] ?? '',
    HOME: dir,
    HOSTS: '127.0.0.1@localhost',
    TESTS: 'rtt',
    BACKEND: 'direct',
    REVERSE: 'false',
    REDIS_URL: `rediss://${host}:${server.port}`,
    QUEUE_PREFIX: `psq-tls-${n}`,
    TESTPOINT: `tp-tls-${n}`,
    DATA_DIR: join(dir, `data-${n}`),
    LOG_FORMAT: 'json',
    ...extra,
  };
}

const caFile = () => ({ REDIS_CA_FILE: ca.ca.certPath });
const clientCert = () => ({ REDIS_CERT_FILE: ca.client.certPath, REDIS_KEY_FILE: ca.client.keyPath });

/** Lines of key material: none may ever be printed. */
function keyLines(): string[] {
  return [ca.client.key, ca.server.key].flatMap((pem) => pem.split('\n').filter((l) => l.length > 20 && !l.startsWith('-----')));
}

function expectOneLine(all: string, needle: string): string {
  const lines = all.split('\n').filter((l) => l.includes(needle));
  expect(lines, all).toHaveLength(1);
  expect(all).not.toMatch(STACK_LINE);
  for (const k of keyLines()) expect(all).not.toContain(k);
  return lines[0]!;
}

describe('psq over TLS to a redis-server that speaks only TLS', () => {
  it('run-once with rediss:// and REDIS_CA_FILE completes a round', async () => {
    const e = env(optional, caFile());
    const r = await runPsq(['run-once'], e, { cwd: dir });
    expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/rtt/);
    // The results of the round are on disk: the jobs went through the TLS-only Redis and back.
    const { stdout } = await execa('find', [e['DATA_DIR']!, '-name', '*.json', '-path', '*rtt*'], { reject: false });
    expect(stdout.trim(), 'no rtt result file').not.toBe('');
  });

  it('without REDIS_CA_FILE the server is not trusted: exit 2, one line naming REDIS_CA_FILE', async () => {
    const r = await runPsq(['run-once'], env(optional), { cwd: dir });
    expect(r.exitCode, r.stderr).toBe(2);
    const line = expectOneLine(`${r.stdout}\n${r.stderr}`, 'TLS certificate not trusted');
    expect(line).toContain('REDIS_CA_FILE');
    expect(line).toContain(`127.0.0.1:${optional.port}`);
  });

  it('a CA that did not sign the server certificate is refused the same way', async () => {
    const r = await runPsq(['run-once'], env(optional, { REDIS_CA_FILE: ca.unrelated.certPath }), { cwd: dir });
    expect(r.exitCode, r.stderr).toBe(2);
    expectOneLine(`${r.stdout}\n${r.stderr}`, 'TLS certificate not trusted');
  });

  it('a certificate that does not name the host in REDIS_URL: exit 2, one line saying so', async () => {
    const r = await runPsq(['run-once'], env(optional, caFile(), '127.0.0.2'), { cwd: dir });
    expect(r.exitCode, r.stderr).toBe(2);
    const line = expectOneLine(`${r.stdout}\n${r.stderr}`, 'not for this host');
    expect(line).toContain('127.0.0.2');
  });

  it('a server that requires client certificates: without one exit 2 naming REDIS_CERT_FILE, with one the round completes', async () => {
    const without = await runPsq(['run-once'], env(required, caFile()), { cwd: dir });
    expect(without.exitCode, without.stderr).toBe(2);
    expect(expectOneLine(`${without.stdout}\n${without.stderr}`, 'requires a TLS client certificate')).toContain('REDIS_CERT_FILE and REDIS_KEY_FILE');

    const withCert = await runPsq(['run-once'], env(required, { ...caFile(), ...clientCert() }), { cwd: dir });
    expect(withCert.exitCode, `${withCert.stdout}\n${withCert.stderr}`).toBe(0);
    for (const k of keyLines()) expect(`${withCert.stdout}${withCert.stderr}`).not.toContain(k);
  });

  it('a client certificate the server does not trust: exit 2, refused', async () => {
    const r = await runPsq(['run-once'], env(required, { ...caFile(), REDIS_CERT_FILE: ca.unrelated.certPath, REDIS_KEY_FILE: ca.unrelated.keyPath }), { cwd: dir });
    expect(r.exitCode, r.stderr).toBe(2);
    expectOneLine(`${r.stdout}\n${r.stderr}`, 'refused the TLS client certificate');
  });

  it('psq start does not wait out a certificate problem: exit 2 with the same one line', async () => {
    const r = await runPsq(['start', 'measure'], env(optional), { cwd: dir, timeoutMs: 30_000 });
    expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(2);
    expect(expectOneLine(`${r.stdout}\n${r.stderr}`, 'TLS certificate not trusted')).toContain('REDIS_CA_FILE');
  });

  it('a long-running measure role works over TLS and `psq health measure` sees it', async () => {
    const e = env(required, { ...caFile(), ...clientCert() });
    const child = execa(process.execPath, [PSQ_BIN, 'start', 'measure'], { env: e, extendEnv: false, reject: false, cwd: dir });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await eventually(() => out.includes('"psq started"') || child.exitCode !== null, { timeoutMs: 30_000, what: () => out });
      const health = await runPsq(['health', 'measure'], e, { cwd: dir });
      expect(health.exitCode, `${health.stdout}\n${health.stderr}`).toBe(0);
      expect(JSON.parse(health.stdout.trim())).toMatchObject({ role: 'measure', ok: true });
      // Without the client certificate the same check is a configuration error, not "unhealthy".
      const noCert = await runPsq(['health', 'measure'], env(required, caFile()), { cwd: dir });
      expect(noCert.exitCode).toBe(2);
      expect(noCert.stderr).toContain('requires a TLS client certificate');
    } finally {
      child.kill('SIGTERM');
    }
    const r = await child;
    expect(r.exitCode, String(r.stderr)).toBe(0);
    for (const k of keyLines()) expect(`${out}${String(r.stderr)}`).not.toContain(k);
  }, 60_000);
});

describe('TLS files are checked before anything connects', () => {
  it('a missing REDIS_CA_FILE: exit 2 naming the variable and the path', async () => {
    const missing = join(dir, 'no-such-ca.pem');
    const r = await runPsq(['run-once'], env(optional, { REDIS_CA_FILE: missing }), { cwd: dir });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('REDIS_CA_FILE');
    expect(r.stderr).toContain(missing);
    expect(r.stderr).toContain('ENOENT');
  });

  it('a key that does not belong to the certificate: exit 2 naming REDIS_KEY_FILE, the key never shown', async () => {
    const r = await runPsq(['run-once'], env(required, { ...caFile(), REDIS_CERT_FILE: ca.client.certPath, REDIS_KEY_FILE: ca.server.keyPath }), { cwd: dir });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('REDIS_KEY_FILE');
    expect(r.stderr).toContain(ca.server.keyPath);
    for (const k of keyLines()) expect(r.stderr).not.toContain(k);
  });

  it('a directory, or a file that is not PEM: exit 2 naming it', async () => {
    const r = await runPsq(['run-once'], env(optional, { REDIS_CA_FILE: dir }), { cwd: dir });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`REDIS_CA_FILE="${dir}"`);
    expect(r.stderr).toContain('EISDIR');
    const notPem = join(ca.dir, 'openssl.cnf');
    const s = await runPsq(['run-once'], env(optional, { REDIS_CA_FILE: notPem }), { cwd: dir });
    expect(s.exitCode).toBe(2);
    expect(s.stderr).toContain(`REDIS_CA_FILE="${notPem}"`);
    expect(s.stderr).toContain('no PEM certificate');
  });

  it('TLS files with a redis:// URL: exit 2 naming both the file and REDIS_URL', async () => {
    const r = await runPsq(['run-once'], { ...env(optional, caFile()), REDIS_URL: `redis://127.0.0.1:${optional.port}` }, { cwd: dir });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('REDIS_CA_FILE');
    expect(r.stderr).toContain('REDIS_URL is redis://');
  });

  it('a certificate without its key: exit 2 naming both', async () => {
    const r = await runPsq(['run-once'], env(required, { ...caFile(), REDIS_CERT_FILE: ca.client.certPath }), { cwd: dir });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/REDIS_KEY_FILE[\s\S]*REDIS_CERT_FILE/);
    expect(readFileSync(ca.client.keyPath, 'utf8')).not.toBe('');
  });
});
