// Puts the stand-in pscheduler first on PATH and reads back the argv it was given.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { STANDIN_DIR, standinPath } from './standin-spans.js';
import { testDir } from './test-context.js';

export const STANDIN_BIN_DIR = STANDIN_DIR;

export function pathWithStandin(path = process.env['PATH'] ?? ''): string {
  return standinPath(path);
}

/**
 * For a file that runs the measure role in this process: the stand-in first on PATH while the file
 * runs (the environment restored after it), and for each test a log of its own and no mode left
 * over from the test before. Call at the file's top level; returns the running test's log path.
 */
export function standinInThisProcess(): () => string {
  const saved = { ...process.env };
  const log = () => join(testDir(), 'standin.log');
  beforeAll(() => {
    process.env['PATH'] = pathWithStandin();
  });
  afterAll(() => {
    process.env = saved;
  });
  beforeEach(() => {
    process.env['PSQ_STANDIN_LOG'] = log();
    delete process.env['PSQ_STANDIN_MODE'];
    delete process.env['PSQ_STANDIN_MODES'];
    delete process.env['PSQ_STANDIN_TEST_MODES'];
  });
  return log;
}

export interface StandinCall {
  readonly argv: string[];
  readonly mode: string;
  /** When the stand-in started (ms since epoch). */
  readonly at: number;
}

export function readStandinLog(file: string): StandinCall[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as StandinCall);
}


export { overlappingSpans, readStandinSpans, type StandinSpan } from './standin-spans.js';
