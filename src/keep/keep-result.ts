// Keeping a result on disk: the result file and its .meta, both or neither, never a .partial left
// behind. Keeping is not delivering: a disk that is full (ENOSPC) or read-only (EROFS) must not
// cost the archivers the result, so failure is an answer here, not an exception.
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { metaPath } from './result-path.js';
import { makeDirectory, moveIntoPlace, tempPathFor, writeFileAtomic, writeFileSynced } from './write-atomic.js';

export type KeepOutcome =
  | { readonly kept: true; readonly file: string }
  | { readonly kept: false; readonly errno: string; readonly message: string };

/** The errno of a failed file operation (ENOSPC, EROFS, EACCES…), or "EUNKNOWN". Pure. */
export function errnoOf(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) ? code : 'EUNKNOWN';
}

/**
 * Writes the result at `plannedFile` (or a free collision name beside it, never replacing a result)
 * and then `meta` beside it. The result is in-memory text, or a file to copy (a backend's output,
 * possibly on another filesystem). When either write fails, whatever was written is removed again.
 */
export async function keepResult(plannedFile: string, content: string | { readonly file: string }, meta: string): Promise<KeepOutcome> {
  const temp = tempPathFor(plannedFile);
  let file: string | null = null;
  try {
    await makeDirectory(dirname(plannedFile));
    if (typeof content === 'string') await writeFileSynced(temp, content);
    else await copyFile(content.file, temp);
    file = await moveIntoPlace(temp, plannedFile);
    await writeFileAtomic(metaPath(file), meta);
    return { kept: true, file };
  } catch (err) {
    await rm(temp, { force: true }).catch(() => undefined);
    // A result without its .meta would be replayed as a cron-runner file: keep both or neither.
    if (file !== null) await rm(file, { force: true }).catch(() => undefined);
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
