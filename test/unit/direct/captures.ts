// Loads the real tool outputs in test/fixtures/tool-output/ and the pScheduler result fixtures.
import { readFileSync, readdirSync } from 'node:fs';

const TOOL_OUTPUT = new URL('../../fixtures/tool-output/', import.meta.url);
const PSCHEDULER = new URL('../../fixtures/pscheduler/', import.meta.url);

export interface Capture {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

/** One capture by name (`ping-v4-routed` → .stdout, .stderr, .exit). */
export function capture(name: string): Capture {
  const read = (ext: string) => readFileSync(new URL(`${name}.${ext}`, TOOL_OUTPUT), 'utf8');
  const exit = read('exit').trim();
  if (!/^\d+$/.test(exit)) throw new Error(`${name}.exit holds ${JSON.stringify(exit)}, not a status`);
  return { stdout: read('stdout'), stderr: read('stderr'), exitCode: Number(exit) };
}

/** Every capture name in the folder. */
export function allCaptureNames(): string[] {
  const names = readdirSync(TOOL_OUTPUT).filter((f) => f.endsWith('.stdout')).map((f) => f.slice(0, -'.stdout'.length));
  return names.sort();
}

export function pschedulerFixture(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`${name}.json`, PSCHEDULER), 'utf8'));
}

/**
 * The key structure of a JSON value: objects become their sorted keys with each value's shape,
 * arrays the merged shape of their elements, leaves their type. Two results with the same shape
 * have the same keys at every level, whatever the numbers.
 */
export function shapeOf(value: unknown): unknown {
  if (Array.isArray(value)) {
    const merged: Record<string, unknown> = {};
    for (const item of value) Object.assign(merged, shapeOf(item));
    return value.length === 0 ? [] : [typeof value[0] === 'object' ? merged : typeof value[0]];
  }
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) out[key] = shapeOf((value as Record<string, unknown>)[key]);
    return out;
  }
  return typeof value;
}

/** Every key path in a JSON value (`summary.streams[].rtt`), for "which keys differ" assertions. */
export function keyPaths(value: unknown, prefix = ''): string[] {
  if (Array.isArray(value)) return [...new Set(value.flatMap((item) => keyPaths(item, `${prefix}[]`)))].sort();
  if (typeof value === 'object' && value !== null) {
    const paths = Object.entries(value).flatMap(([k, v]) => {
      const path = prefix === '' ? k : `${prefix}.${k}`;
      return [path, ...keyPaths(v, path)];
    });
    return [...new Set(paths)].sort();
  }
  return [];
}
