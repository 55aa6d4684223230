// A throwaway private CA for TLS tests, made by the real openssl: CA, a 127.0.0.1 server cert it signs,
// a client cert it signs (for servers that ask for one), and an unrelated cert.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';

export interface PemPair {
  /** PEM private key (unencrypted). */
  readonly key: string;
  /** PEM certificate. */
  readonly cert: string;
  readonly keyPath: string;
  readonly certPath: string;
}

export interface TestCa {
  /** The temp directory every file lives in; `cleanup()` removes it. */
  readonly dir: string;
  /** Self-signed CA (basicConstraints CA:TRUE, keyCertSign). */
  readonly ca: PemPair;
  /** Leaf for 127.0.0.1 (SAN IP:127.0.0.1, DNS:localhost; serverAuth), signed by `ca`. */
  readonly server: PemPair;
  /** A second, self-signed CA that signed nothing here: trusting it must not trust `server`. */
  readonly unrelated: PemPair;
  /** Client leaf (CN psq-client, clientAuth), signed by `ca`: for servers that verify clients. */
  readonly client: PemPair;
  cleanup(): Promise<void>;
}

/**
 * Our own config, so the system openssl.cnf (default extensions, prompts, RANDFILE) cannot change
 * what is made. EC P-256 keys: valid everywhere, and each step takes milliseconds.
 */
const OPENSSL_CNF = `
[ req ]
distinguished_name = dn
prompt = no
x509_extensions = v3_ca

[ dn ]
CN = placeholder

[ v3_ca ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash

[ v3_server ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1, DNS:localhost
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[ v3_client ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
`;

const DAYS = '2';

async function openssl(dir: string, args: readonly string[]): Promise<void> {
  // argv array, no shell; OPENSSL_CONF too, for the subcommands that take no -config.
  await execa('openssl', args, { cwd: dir, env: { OPENSSL_CONF: join(dir, 'openssl.cnf') }, stdin: 'ignore' });
}

const serial = (): string => `0x${randomBytes(8).toString('hex').replace(/^./, '1')}`;

async function ecKey(dir: string, name: string): Promise<string> {
  const path = join(dir, name);
  await openssl(dir, ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-out', path]);
  return path;
}

async function selfSignedCa(dir: string, base: string, cn: string): Promise<PemPair> {
  const keyPath = await ecKey(dir, `${base}.key`);
  const certPath = join(dir, `${base}.crt`);
  await openssl(dir, [
    'req', '-config', join(dir, 'openssl.cnf'), '-x509', '-new', '-key', keyPath, '-sha256',
    '-days', DAYS, '-set_serial', serial(), '-subj', `/CN=${cn}`, '-extensions', 'v3_ca', '-out', certPath,
  ]);
  return read(keyPath, certPath);
}

async function read(keyPath: string, certPath: string): Promise<PemPair> {
  const [key, cert] = await Promise.all([readFile(keyPath, 'utf8'), readFile(certPath, 'utf8')]);
  return { key, cert, keyPath, certPath };
}

export async function createTestCa(): Promise<TestCa> {
  const dir = await mkdtemp(join(tmpdir(), 'psq-test-ca-'));
  try {
    await writeFile(join(dir, 'openssl.cnf'), OPENSSL_CNF);
    const cnf = join(dir, 'openssl.cnf');
    const tag = randomBytes(4).toString('hex');

    const [ca, unrelated, serverKeyPath] = await Promise.all([
      selfSignedCa(dir, 'ca', `psq test CA ${tag}`),
      selfSignedCa(dir, 'unrelated', `psq unrelated CA ${tag}`),
      ecKey(dir, 'server.key'),
    ]);

    const signed = async (base: string, cn: string, extensions: string, keyPath: string): Promise<PemPair> => {
      const csrPath = join(dir, `${base}.csr`);
      const certPath = join(dir, `${base}.crt`);
      await openssl(dir, ['req', '-config', cnf, '-new', '-key', keyPath, '-sha256', '-subj', `/CN=${cn}`, '-out', csrPath]);
      await openssl(dir, [
        'x509', '-req', '-in', csrPath, '-CA', ca.certPath, '-CAkey', ca.keyPath, '-set_serial', serial(),
        '-days', DAYS, '-sha256', '-extfile', cnf, '-extensions', extensions, '-out', certPath,
      ]);
      return read(keyPath, certPath);
    };
    const server = await signed('server', '127.0.0.1', 'v3_server', serverKeyPath);
    const client = await signed('client', 'psq-client', 'v3_client', await ecKey(dir, 'client.key'));

    return { dir, ca, server, unrelated, client, cleanup: () => rm(dir, { recursive: true, force: true }) };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}
