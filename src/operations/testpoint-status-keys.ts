// Where a testpoint's liveness and round records live in Redis. Everything of one testpoint is under
// `<prefix>:tp:<testpoint>:`, so a per-testpoint Redis ACL (`~<prefix>:tp:<testpoint>:*`) covers it
// and a testpoint never writes another's keys. Pure.
import type { Category } from '../plan/categories.js';

/** The root of one testpoint's own keys. Neither prefix nor testpoint contain ':' (load-config). */
export function testpointKeyRoot(prefix: string, testpoint: string): string {
  return `${prefix}:tp:${testpoint}:`;
}

export interface TestpointKeys {
  /** Sorted set: member `<host>:<pid>` per measure worker, score = its last heartbeat (Redis time, ms). */
  readonly workers: string;
  /** Hash: field `<host>:<pid>` → the worker's JSON description (heartbeat.ts WorkerInfo). */
  readonly workerInfo: string;
  /** Sorted set per category: the slots (ms) of the last rounds recorded, score = slot. */
  rounds(category: Category): string;
  /** Hash per category and round: start, end and one count per outcome. */
  round(category: Category, slotMs: number): string;
  /** What `round(category, slot)` starts with (the Lua trim builds the keys of dropped rounds from it). */
  roundKeyBase(category: Category): string;
}

export function testpointKeys(prefix: string, testpoint: string): TestpointKeys {
  const root = testpointKeyRoot(prefix, testpoint);
  return {
    workers: `${root}workers`,
    workerInfo: `${root}worker-info`,
    rounds: (category) => `${root}rounds:${category}`,
    round: (category, slotMs) => `${root}round:${category}:${slotMs}`,
    roundKeyBase: (category) => `${root}round:${category}:`,
  };
}

/** The worker's member name in `workers`: host names may hold ':' only in theory; it is replaced. */
export function workerMember(host: string, pid: number): string {
  return `${host.replace(/:/g, '_')}:${pid}`;
}
