// BACKEND=auto|pscheduler|direct → the backend this process measures with, and why.
import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import type { Config } from '../config/config.js';

/** Whether `bin` resolves to an executable file, the way execa would find it on `pathVar` (a PATH value). */
export function findExecutable(bin: string, pathVar: string): string | null {
  const candidates = isAbsolute(bin) || bin.includes('/') ? [bin] : pathVar.split(delimiter).filter(Boolean).map((d) => join(d, bin));
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // not here
    }
  }
  return null;
}

export interface BackendDecision {
  readonly name: 'pscheduler' | 'direct';
  readonly reason: string;
}

/** `find` says where a program is (findExecutable on Config.path, or a test's own answer). */
export function decideBackend(config: Pick<Config, 'backend' | 'pschedulerBin'>, find: (bin: string) => string | null): BackendDecision {
  if (config.backend === 'pscheduler') return { name: 'pscheduler', reason: 'BACKEND=pscheduler' };
  if (config.backend === 'direct') return { name: 'direct', reason: 'BACKEND=direct' };
  const found = find(config.pschedulerBin);
  return found
    ? { name: 'pscheduler', reason: `BACKEND=auto and ${config.pschedulerBin} was found at ${found}` }
    : { name: 'direct', reason: `BACKEND=auto and ${config.pschedulerBin} is not installed (not on PATH)` };
}
