// Atomic file writes: a reader sees the old file or the whole new one, never a torn one.
import { randomBytes } from 'node:crypto';
import { link, mkdir, open, rename, rm, stat, unlink } from 'node:fs/promises';
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

/**
 * Runs `write` (which creates files in `dir`); when `dir` is missing (ENOENT), creates it and runs
 * `write` once more. The directory exists nearly always, so asking first would cost every write a
 * mkdir; and one removed meanwhile (an operator's clean-up) is made again.
 */
export async function inDirectory<T>(dir: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await makeDirectory(dir);
  return write();
}

/**
 * Writes `file` (a new one: never replaces) and, unless `sync` is false, fsyncs it; on failure
 * removes it again, so a full disk leaves no 0-byte file.
 */
export async function writeFileSynced(file: string, content: string, sync = true): Promise<void> {
  try {
    const handle = await open(file, 'wx', 0o644);
    try {
      await handle.writeFile(content);
      if (sync) await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') await rm(file, { force: true }).catch(() => undefined);
    throw err;
  }
}

/**
 * Replaces `file` atomically, creating its directory when missing. `sync: false` for files whose
 * loss in a power failure costs nothing but work (a rename without fsync may leave an empty file
 * after a crash of the machine, never a torn one while it runs).
 */
export async function writeFileAtomic(file: string, content: string, options: { readonly sync?: boolean } = {}): Promise<void> {
  const temp = tempPathFor(file);
  try {
    await inDirectory(dirname(file), () => writeFileSynced(temp, content, options.sync ?? true));
    await rename(temp, file);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
}

/** `name_…Z_forward.json` → `name_…Z-2_forward.json`: still matches the cron runner's globs and timestamp pattern. */
export function collisionName(file: string, n: number): string {
  return file.replace(/(_\d{8}-\d{6}Z)(_[a-z]+\.json)$/, `$1-${n}$2`);
}

/**
 * Give a finished temp file its final name without ever replacing an existing result (two attempts
 * within one second would share a name; failures are data and must not be overwritten): a hard
 * link, which fails with EEXIST where rename would replace. Returns the name used; the temp name is
 * left for the caller to remove (beside whatever else it does next).
 */
export async function linkIntoPlace(temp: string, file: string): Promise<string> {
  for (let n = 1; n < 1000; n++) {
    const target = n === 1 ? file : collisionName(file, n);
    if (n > 1 && target === file) break;
    try {
      await link(temp, target);
      return target;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  throw new Error(`no free name for ${file}`);
}
