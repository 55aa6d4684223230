// Atomic file writes: a reader sees the old file or the whole new one, never a torn one.
import { randomBytes } from 'node:crypto';
import { link, mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** A hidden temp name in the same directory (rename is atomic only within one filesystem). */
export function tempPathFor(file: string): string {
  return join(dirname(file), `.${basename(file)}.${randomBytes(4).toString('hex')}.partial`);
}

/**
 * `mkdir -p` that reports the real reason: Node's recursive mkdir answers ENOENT when a parent is on
 * a read-only filesystem (the operator saw "ENOENT mkdir" for a read-only DATA_DIR); creating the
 * missing levels one by one gives EROFS, EACCES or ENOSPC instead.
 */
export async function makeDirectory(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    const missing: string[] = [];
    for (let d = dir; !(await stat(d).then(() => true, () => false)); d = dirname(d)) {
      missing.unshift(d);
      if (dirname(d) === d) break;
    }
    for (const d of missing) await mkdir(d); // throws the errno that matters
    throw err;
  }
}

/** Writes and fsyncs `file`; on failure removes it again, so a full disk leaves no 0-byte file. */
export async function writeFileSynced(file: string, content: string): Promise<void> {
  try {
    const handle = await open(file, 'wx', 0o644);
    try {
      await handle.writeFile(content);
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') await rm(file, { force: true }).catch(() => undefined);
    throw err;
  }
}

export async function writeFileAtomic(file: string, content: string): Promise<void> {
  await makeDirectory(dirname(file));
  const temp = tempPathFor(file);
  try {
    await writeFileSynced(temp, content);
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
