import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { boundText, keepOversizedResult, oversizedResultReason, readBoundedResult } from '../../../src/keep/result-size.js';
import { testConfig } from '../../helpers/config.js';
import { loadConfig } from '../../../src/config/load-config.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'psq-result-size-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('MAX_RESULT_BYTES bound', () => {
  it('reads a result up to the bound, reports a bigger one by size without its text, and a missing one as null', async () => {
    const file = join(dir, 'r.json');
    writeFileSync(file, '{"succeeded":true}');
    expect(await readBoundedResult(file, 18)).toEqual({ kind: 'text', text: '{"succeeded":true}' });
    expect(await readBoundedResult(file, 17)).toEqual({ kind: 'oversized', bytes: 18 });
    writeFileSync(file, 'y'.repeat(3 * 1024 * 1024));
    expect(await readBoundedResult(file, 1024 * 1024)).toEqual({ kind: 'oversized', bytes: 3 * 1024 * 1024 });
    expect(await readBoundedResult(file, 3 * 1024 * 1024)).toMatchObject({ kind: 'text' });
    expect(await readBoundedResult(join(dir, 'missing.json'), 10)).toEqual({ kind: 'text', text: null });
  });

  it('bounds an in-memory result by its UTF-8 bytes', () => {
    expect(boundText('éé', 4)).toEqual({ kind: 'text', text: 'éé' });
    expect(boundText('ééé', 4)).toEqual({ kind: 'oversized', bytes: 6 });
  });

  it('says how big, the bound and where it is kept', () => {
    expect(oversizedResultReason(52_428_800, 8_388_608, '/data/throughput/a@b_iperf3_20261201-100000Z_forward.json')).toBe(
      'result is 52428800 bytes, over MAX_RESULT_BYTES=8388608; kept at /data/throughput/a@b_iperf3_20261201-100000Z_forward.json, not archived',
    );
    expect(oversizedResultReason(10, 5, null)).toContain('not kept');
  });

  it('keeps an oversized result under its planned name with its .meta, from a file or from memory', async () => {
    const source = join(dir, 'scratch.json');
    writeFileSync(source, 'z'.repeat(5000));
    const planned = join(dir, 'data', 'rtt', 'a@b_auto_20261201-100000Z_forward.json');
    const first = await keepOversizedResult(planned, { file: source }, '{"archived":false}\n');
    expect(first).toEqual({ kept: true, file: planned });
    expect(readFileSync(planned, 'utf8')).toHaveLength(5000);
    expect(readFileSync(`${planned}.meta`, 'utf8')).toBe('{"archived":false}\n');
    // Never replaces a result: a second one in the same second gets the collision name.
    const second = await keepOversizedResult(planned, { text: 'w'.repeat(10) }, '{}\n');
    expect(second).toEqual({ kept: true, file: planned.replace('Z_forward', 'Z-2_forward') });
  });
});

describe('MAX_RESULT_BYTES configuration', () => {
  it('defaults to 8 MiB and takes 1 KiB to 256 MiB', () => {
    expect(testConfig({}).maxResultBytes).toBe(8 * 1024 * 1024);
    expect(testConfig({ MAX_RESULT_BYTES: '4096' }).maxResultBytes).toBe(4096);
    for (const bad of ['10', '268435457', '1e6', '-1']) {
      expect(() => loadConfig({ HOSTS: '127.0.0.1', MAX_RESULT_BYTES: bad }, { hostname: 'h', inContainer: false }), bad).toThrow(/MAX_RESULT_BYTES/);
    }
  });
});
