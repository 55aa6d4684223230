// Keeping a result on disk: the result file and its .meta, both or neither, never a .partial left
// behind. Keeping is not delivering: a disk that is full (ENOSPC) or read-only (EROFS) must not
// cost the archivers the result, so failure is an answer here, not an exception.
import { constants } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rename, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { metaPath } from './result-path.js';
import { inDirectory, linkIntoPlace, tempPathFor, writeFileSynced } from './write-atomic.js';

export type KeepOutcome =
  | { readonly kept: true; readonly file: string }
  | { readonly kept: false; readonly errno: string; readonly message: string };

/** The errno of a failed file operation (ENOSPC, EROFS, EACCES…), or "EUNKNOWN". Pure. */
export function errnoOf(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) ? code : 'EUNKNOWN';
}

export interface KeepOptions {
  /**
   * Runs once the result has its final name, beside the naming of its .meta (the measured marker:
   * a marker whose result then fails to be kept points at nothing, which reads as "not measured").
   * Must not reject; its failure is its own to report.
   */
  readonly whenNamed?: (file: string) => Promise<unknown>;
}

/**
 * Writes the result at `plannedFile` (or a free collision name beside it, never replacing a result)
 * and `meta` beside it. The result is in-memory text, or a file to copy (a backend's output,
 * possibly on another filesystem). When either write fails, whatever was written is removed again.
 *
 * Both are written to hidden temp names and synced side by side (one wait for the disk, not two),
 * and only then named: the result first (its name may be a collision name), then its .meta.
 */
export async function keepResult(
  plannedFile: string,
  content: string | { readonly file: string },
  meta: string,
  options: KeepOptions = {},
): Promise<KeepOutcome> {
  const temp = tempPathFor(plannedFile);
  const metaTemp = tempPathFor(metaPath(plannedFile));
  let file: string | null = null;
  try {
    await inDirectory(dirname(plannedFile), async () => {
      // Settled both before going on: a cleanup must not race a write still creating its temp file.
      const written = await Promise.allSettled([
        typeof content === 'string' ? writeFileSynced(temp, content) : copyFile(content.file, temp, constants.COPYFILE_EXCL),
        writeFileSynced(metaTemp, meta),
      ]);
      const failed = written.find((w): w is PromiseRejectedResult => w.status === 'rejected');
      if (failed) {
        await Promise.all([unlink(temp).catch(() => undefined), unlink(metaTemp).catch(() => undefined)]);
        throw failed.reason;
      }
    });
    const named = await linkIntoPlace(temp, plannedFile);
    file = named;
    // The temp name goes, the .meta gets its name, and whatever waited for the result's name runs:
    // side by side (see KeepOptions.whenNamed).
    await Promise.all([unlink(temp), rename(metaTemp, metaPath(named)), options.whenNamed?.(named).catch(() => undefined)]);
    return { kept: true, file: named };
  } catch (err) {
    await Promise.all([unlink(temp).catch(() => undefined), unlink(metaTemp).catch(() => undefined)]);
    // A result without its .meta would be replayed as a cron-runner file: keep both or neither.
    if (file !== null) await unlink(file).catch(() => undefined);
    return { kept: false, errno: errnoOf(err), message: err instanceof Error ? err.message : String(err) };
  }
}

export interface ScratchFile {
  /** Where a backend that writes files (pscheduler --output) leaves its result. */
  readonly file: string;
  /** Removes it (and its private directory); never throws. */
  dispose(): Promise<void>;
}

/**
 * A place for the backend's own output file, outside DATA_DIR: a private directory under the
 * system temp dir (a tmpfs in the container), so a full or read-only DATA_DIR does not stop the
 * tool from writing its result. Falls back to a hidden temp name beside the result.
 */
export async function scratchFileFor(plannedFile: string): Promise<ScratchFile> {
  try {
    const dir = await mkdtemp(join(tmpdir(), 'psq-result-'));
    return { file: join(dir, basename(plannedFile)), dispose: () => rm(dir, { recursive: true, force: true }).catch(() => undefined) };
  } catch {
    const file = tempPathFor(plannedFile);
    await mkdir(dirname(plannedFile), { recursive: true }).catch(() => undefined);
    return { file, dispose: () => rm(file, { force: true }).catch(() => undefined) };
  }
}

export interface LazyScratchFile {
  /** The scratch file (scratchFileFor), made on the first call. */
  file(): Promise<string>;
  /** The scratch file if it was asked for, else null (nothing was made, so nothing was written). */
  made(): Promise<string | null>;
  /** Removes it if it was made; never throws. */
  dispose(): Promise<void>;
}

/**
 * scratchFileFor on demand: a backend that keeps its result in memory never asks, and so costs no
 * temp directory (mkdtemp and its removal) per measurement.
 */
export function lazyScratchFile(plannedFile: string): LazyScratchFile {
  let scratch: Promise<ScratchFile> | null = null;
  return {
    file: async () => {
      scratch ??= scratchFileFor(plannedFile);
      return (await scratch).file;
    },
    made: async () => (scratch === null ? null : (await scratch).file),
    dispose: async () => {
      if (scratch !== null) await scratch.then((s) => s.dispose(), () => undefined);
    },
  };
}
