import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { readEnvFile } from '../../../src/cli/read-env-file.js';
import { mergeEnv } from '../../../src/config/env-file.js';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'psq-env-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('readEnvFile', () => {
  it('parses a cron runner .env', () => {
    const path = join(dir, '.env');
    writeFileSync(
      path,
      [
        '# .env for a testpoint',
        'HOSTS=23.134.232.50@shore-STAR 10.129.133.2@shore-net1%eth1',
        'AUTH_TOKEN=changeme',
        'ARCHIVE_URLS=https://23.134.232.50:8443/ps',
        'TZ=UTC',
        'CRON_EXPRESSION=0 */2 * * *',
        'QUOTED="a b"',
        '',
      ].join('\n'),
    );
    expect(readEnvFile(path)).toEqual({
      HOSTS: '23.134.232.50@shore-STAR 10.129.133.2@shore-net1%eth1',
      AUTH_TOKEN: 'changeme',
      ARCHIVE_URLS: 'https://23.134.232.50:8443/ps',
      TZ: 'UTC',
      CRON_EXPRESSION: '0 */2 * * *',
      QUOTED: 'a b',
    });
  });

  it('returns {} when the file does not exist', () => {
    expect(readEnvFile(join(dir, 'missing.env'))).toEqual({});
  });

  it('fails on other read errors', () => {
    expect(() => readEnvFile(dir)).toThrow(/EISDIR/);
  });
});

describe('mergeEnv', () => {
  it('lets the process environment win, skipping undefined entries', () => {
    expect(mergeEnv({ TZ: 'UTC', HOSTS: 'a', KEEP: 'file' }, { TZ: 'Europe/Oslo', HOSTS: '', KEEP: undefined })).toEqual({
      TZ: 'Europe/Oslo',
      HOSTS: '',
      KEEP: 'file',
    });
  });

  it('does not modify its inputs', () => {
    const file = { A: '1' };
    const proc = { B: '2' };
    mergeEnv(file, proc);
    expect(file).toEqual({ A: '1' });
    expect(proc).toEqual({ B: '2' });
  });
});
