// Read back what a result file's name says (for files written before a .meta existed, e.g. by the
// cron runner). Pure. Names: <name>@<dest>_<tool|auto>_<YYYYMMDD-HHMMSSZ>[-n]_<forward|reverse>.json
import type { Direction } from '../plan/categories.js';

export interface ResultFileName {
  readonly name: string;
  /** As written in the name: `:` and friends were replaced by `_`, so an IPv6 address is not recoverable. */
  readonly dest: string;
  readonly tool: string;
  readonly startedAt: Date;
  readonly direction: Direction;
}

const PATTERN = /^(.+)@(.+)_([A-Za-z0-9-]+)_(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})Z(?:-\d+)?_(forward|reverse)\.json$/;

export function parseResultFileName(file: string): ResultFileName | null {
  const m = PATTERN.exec(file);
  if (!m) return null;
  const [, name, dest, tool, y, mo, d, h, mi, s, direction] = m as unknown as string[];
  const startedAt = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)));
  if (Number.isNaN(startedAt.getTime())) return null;
  return { name: name!, dest: dest!, tool: tool!, startedAt, direction: direction as Direction };
}
