// Atomic file writes: a reader sees the old file or the whole new one, never a torn one.
import { randomBytes } from 'node:crypto';
import { link, mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** A hidden temp name in the same directory (rename is atomic only within one filesystem). */
export function tempPathFor(file: string): string {
  return join(dirname(file), `.${basename(file)}.${randomBytes(4).toString('hex')}.partial`);
}

export async function writeFileAtomic(file: string, content: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const temp = tempPathFor(file);
  try {
    const handle = await open(temp, 'w', 0o644);
    try {
      await handle.writeFile(content);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}

/** `name_…Z_forward.json` → `name_…Z-2_forward.json`: still matches the cron runner's globs and timestamp pattern. */
export function collisionName(file: string, n: number): string {
  return file.replace(/(_\d{8}-\d{6}Z)(_[a-z]+\.json)$/, `$1-${n}$2`);
}

/**
 * Move a finished temp file to its final name without ever replacing an existing result (two
 * attempts within one second would share a name; failures are data and must not be overwritten).
 * Returns the name used.
 */
export async function moveIntoPlace(temp: string, file: string): Promise<string> {
  for (let n = 1; n < 1000; n++) {
    const target = n === 1 ? file : collisionName(file, n);
    if (n > 1 && target === file) break;
    try {
      await link(temp, target); // fails with EEXIST instead of replacing, unlike rename
      await rm(temp, { force: true });
      return target;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  throw new Error(`no free name for ${file}`);
}
