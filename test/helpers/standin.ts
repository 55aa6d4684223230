// Puts the stand-in pscheduler first on PATH and reads back the argv it was given.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { delimiter } from 'node:path';

export const STANDIN_BIN_DIR = fileURLToPath(new URL('../fixtures/bin', import.meta.url));

export function pathWithStandin(path = process.env['PATH'] ?? ''): string {
  return `${STANDIN_BIN_DIR}${delimiter}${path}`;
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
