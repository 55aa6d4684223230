// What the stand-in pscheduler's slow mode records (PSQ_STANDIN_SPANS): when each "test" held the
// path, for overlap checks and for bounds measured in the same run. No vitest here: the benchmarks
// read spans too. Also where the stand-in lives, for a PATH that finds it first.
import { existsSync, readFileSync } from 'node:fs';
import { delimiter } from 'node:path';
import { fileURLToPath } from 'node:url';

export const STANDIN_DIR = fileURLToPath(new URL('../fixtures/bin', import.meta.url));

/** PATH with the stand-in first. */
export function standinPath(path = process.env['PATH'] ?? ''): string {
  return `${STANDIN_DIR}${delimiter}${path}`;
}

/** What the stand-in appends to PSQ_STANDIN_SPANS when a slow run ends: when the "test" held the path. */
export interface StandinSpan {
  readonly test: string;
  readonly dest: string;
  readonly reverse: boolean;
  readonly pid: number;
  /** When the stand-in's process was forked (ms since epoch, ±10 ms): its start-up is the task's time, as a real tool's is. */
  readonly start: number;
  /** When its slow part began, after start-up (ms since epoch). */
  readonly ready: number;
  /** When it exited (ms since epoch). */
  readonly end: number;
}

export function readStandinSpans(file: string): StandinSpan[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as StandinSpan);
}

/** Pairs of spans that held the path at the same time. */
export function overlappingSpans<T extends Pick<StandinSpan, 'start' | 'end'>>(spans: readonly T[]): [T, T][] {
  const out: [T, T][] = [];
  for (let i = 0; i < spans.length; i++) {
    for (let j = i + 1; j < spans.length; j++) {
      const a = spans[i]!;
      const b = spans[j]!;
      if (a.start < b.end && b.start < a.end) out.push([a, b]);
    }
  }
  return out;
}
