// Keeping a result: the result and its .meta both or neither, under a name that never replaces
// another result, in a directory made when missing; and a scratch file only when one is asked for.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { keepResult, lazyScratchFile } from '../../../src/keep/keep-result.js';
import { testDir } from '../../helpers/test-context.js';

const NAME = 'a@10.0.0.1_auto_20261201-100000Z_forward.json';

describe('keepResult', () => {
  it('writes the result and its .meta into a directory it makes, and leaves no temp file', async () => {
    const planned = join(testDir(), 'data', 'rtt', NAME);
    const kept = await keepResult(planned, '{"succeeded":true}\n', '{"run_id":"r"}\n');
    expect(kept).toEqual({ kept: true, file: planned });
    expect(readFileSync(planned, 'utf8')).toBe('{"succeeded":true}\n');
    expect(readFileSync(`${planned}.meta`, 'utf8')).toBe('{"run_id":"r"}\n');
    expect(readdirSync(dirname(planned)).sort()).toEqual([NAME, `${NAME}.meta`]);
  });

  it('never replaces a result: a second one in the same second gets the collision name, with its own .meta', async () => {
    const planned = join(testDir(), 'rtt', NAME);
    mkdirSync(dirname(planned), { recursive: true });
    writeFileSync(planned, 'first\n');
    const kept = await keepResult(planned, 'second\n', 'meta-2\n');
    const second = join(dirname(planned), 'a@10.0.0.1_auto_20261201-100000Z-2_forward.json');
    expect(kept).toEqual({ kept: true, file: second });
    expect(readFileSync(planned, 'utf8')).toBe('first\n');
    expect(readFileSync(second, 'utf8')).toBe('second\n');
    expect(readFileSync(`${second}.meta`, 'utf8')).toBe('meta-2\n');
    expect(readdirSync(dirname(planned)).filter((f) => f.endsWith('.partial'))).toEqual([]);
  });

  it('runs whenNamed with the final name before it answers; its failure does not fail the keep', async () => {
    const planned = join(testDir(), 'rtt', NAME);
    const seen: string[] = [];
    const kept = await keepResult(planned, 'r\n', 'm\n', {
      whenNamed: async (file) => {
        seen.push(file);
        expect(existsSync(file)).toBe(true);
      },
    });
    expect(seen).toEqual([planned]);
    const again = await keepResult(planned, 'r\n', 'm\n', { whenNamed: () => Promise.reject(new Error('marker disk gone')) });
    expect(again.kept).toBe(true);
  });

  it('a DATA_DIR it cannot write to answers with the errno and leaves nothing behind', async () => {
    const root = join(testDir(), 'not-a-dir');
    writeFileSync(root, 'a file where the directory should be');
    const kept = await keepResult(join(root, 'rtt', NAME), 'r\n', 'm\n');
    expect(kept).toMatchObject({ kept: false, errno: 'ENOTDIR' });
    expect(readFileSync(root, 'utf8')).toBe('a file where the directory should be');
  });
});

describe('lazyScratchFile', () => {
  it('makes nothing until asked, then a private file that dispose removes with its directory', async () => {
    const planned = join(testDir(), 'rtt', NAME);
    const unused = lazyScratchFile(planned);
    expect(await unused.made()).toBeNull();
    await unused.dispose();

    const used = lazyScratchFile(planned);
    const file = await used.file();
    expect(await used.file()).toBe(file);
    expect(await used.made()).toBe(file);
    writeFileSync(file, '{"succeeded":true}\n');
    expect(existsSync(dirname(planned))).toBe(false); // outside DATA_DIR
    await used.dispose();
    expect(existsSync(dirname(file))).toBe(false);
  });
});
