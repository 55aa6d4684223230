// How long the file names a destination produces can get, so a HOSTS name that would make one pass
// the filesystem's 255-byte limit is refused at start instead of failing every measurement. Pure:
// computed with the same functions that name the files.
import { basename } from 'node:path';
import { metaPath, resultPath } from '../keep/result-path.js';
import { collisionName, tempPathFor } from '../keep/write-atomic.js';
import { ALL_TOOLS } from '../plan/categories.js';
import type { Destination } from './config.js';

/** NAME_MAX of ext4, xfs, btrfs and tmpfs. */
export const MAX_FILE_NAME_BYTES = 255;

const LONGEST_TOOL = [...ALL_TOOLS, 'auto'].reduce((a, b) => (b.length > a.length ? b : a));

/**
 * Bytes of the longest name written for `dest`: the temp file of the `.meta` beside a result that
 * got a collision suffix (`…Z-999_…`), with the longest tool name.
 */
export function longestResultFileName(dest: Pick<Destination, 'ip' | 'name'>): number {
  const spec = { testpoint: 'x', category: 'throughput', tool: LONGEST_TOOL, dest, source: null, direction: 'forward', args: [] } as const;
  const file = collisionName(resultPath('/d', spec, new Date(0)), 999);
  return Buffer.byteLength(basename(tempPathFor(metaPath(file))));
}
