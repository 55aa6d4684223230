// The MAX_RESULT_BYTES bound on what a measurement may produce. A result over it is never read
// into memory nor put into Redis (an archive job carries the whole result, once per archiver): it
// is kept on disk under its normal name, and the measurement fails saying where it is.
import { open, type FileHandle } from 'node:fs/promises';
import { keepResult, type KeepOutcome } from './keep-result.js';

export type BoundedResult =
  /** The result text, or null when the backend wrote no file. */
  | { readonly kind: 'text'; readonly text: string | null }
  | { readonly kind: 'oversized'; readonly bytes: number };

/**
 * Reads the backend's output file if it is at most `maxBytes` long. The size is taken from the
 * open file (fstat) before reading, so a 50 MB file is never read; a file that grows while being
 * read is caught by reading one byte more than allowed.
 */
export async function readBoundedResult(file: string, maxBytes: number): Promise<BoundedResult> {
  let handle: FileHandle;
  try {
    handle = await open(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'text', text: null };
    throw err;
  }
  try {
    const { size } = await handle.stat();
    if (size > maxBytes) return { kind: 'oversized', bytes: size };
    const chunks: Buffer[] = [];
    let length = 0;
    for (;;) {
      // What fstat promised plus one byte (to see EOF, or growth), in chunks of at most 1 MiB.
      const chunk = Buffer.alloc(Math.min(Math.max(size - length + 1, 64 * 1024), maxBytes + 1 - length, 1024 * 1024));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, length);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      length += bytesRead;
      if (length > maxBytes) return { kind: 'oversized', bytes: Math.max(size, length) };
    }
    return { kind: 'text', text: Buffer.concat(chunks, length).toString('utf8') };
  } finally {
    await handle.close();
  }
}

/** The same bound for a result a backend kept in memory (the direct backend). Pure. */
export function boundText(text: string, maxBytes: number): BoundedResult {
  const bytes = Buffer.byteLength(text);
  return bytes > maxBytes ? { kind: 'oversized', bytes } : { kind: 'text', text };
}

/** The measurement's failure for an oversized result: short, with the numbers and the file. Pure. */
export function oversizedResultReason(bytes: number, maxBytes: number, file: string | null): string {
  const where = file === null ? 'not kept (DATA_DIR could not take it)' : `kept at ${file}`;
  return `result is ${bytes} bytes, over MAX_RESULT_BYTES=${maxBytes}; ${where}, not archived`;
}

/**
 * Keeps an oversized result at `plannedFile` (or its collision name) with its .meta, copying the
 * backend's file (it may sit on another filesystem) or writing the in-memory text. Returns the
 * file's name, or why DATA_DIR could not take it (then nothing is left behind).
 */
export function keepOversizedResult(
  plannedFile: string,
  from: { readonly file: string } | { readonly text: string },
  meta: string,
): Promise<KeepOutcome> {
  return keepResult(plannedFile, 'file' in from ? from : from.text, meta);
}
