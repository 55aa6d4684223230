// What each test gets without asking for it (test/helpers/test-hook.ts runs the lifecycle): its own
// BullMQ prefix, its own scratch directory, and cleanups run after it. A passing test's keys and
// directory are removed; a failing test's are kept and named, so they can be looked at.
// Both are made on first use, so a test that needs neither costs nothing and needs no Redis.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { uniquePrefix } from './prefix.js';

type Cleanup = () => unknown;

interface Scope {
  readonly label: string;
  /** The test file's name without its ending: it names the directory, to tell whose a kept one is. */
  readonly fileName: string;
  /** testPrefix()'s, then newTestPrefix()'s, as they were made. */
  readonly prefixes: string[];
  prefix: string | undefined;
  dir: string | undefined;
  readonly cleanups: Cleanup[];
}

const fileName = (path: string): string => basename(path).replace(/\.(test|fixture)\.ts$/, '').replace(/[^\w.-]/g, '_');

const newScope = (label: string, fileName = 'file'): Scope => ({ label, fileName, prefixes: [], prefix: undefined, dir: undefined, cleanups: [] });

/** Serves beforeAll/afterAll code; a test's own scope serves the test and its beforeEach/afterEach. */
let fileScope: Scope = newScope('(file)');
let testScope: Scope | undefined;
const current = (): Scope => testScope ?? fileScope;

/** The running test's BullMQ prefix (QUEUE_PREFIX); its keys are deleted after a passing test. In beforeAll/afterAll, the file's. */
export function testPrefix(): string {
  const scope = current();
  if (scope.prefix === undefined) scope.prefixes.push((scope.prefix = uniquePrefix()));
  return scope.prefix;
}

/** One more prefix owned by the running test (a second testpoint, a second dashboard), kept or removed with the first. */
export function newTestPrefix(): string {
  const prefix = uniquePrefix();
  current().prefixes.push(prefix);
  return prefix;
}

/** The running test's own empty directory (DATA_DIR, HOME, cwd); removed after a passing test. In beforeAll/afterAll, the file's. */
export function testDir(): string {
  const scope = current();
  scope.dir ??= mkdtempSync(join(tmpdir(), `psq-test-${scope.fileName}-`));
  return scope.dir;
}

/**
 * Runs `cleanup` after the running test (after all its afterEach hooks), last registered first,
 * whether the test passed or failed: workers, servers and processes are stopped either way, only
 * the keys and the directory are kept after a failure. In beforeAll/afterAll, after the file.
 */
export function onCleanup(cleanup: Cleanup): void {
  current().cleanups.push(cleanup);
}

/** The one line that says where a failed test left its state. */
export function keptLine(label: string, prefixes: readonly string[], dir: string | undefined, redisUrl: string): string {
  const where = [prefixes.length === 0 ? null : `Redis prefix ${prefixes.join(' ')}`, dir === undefined ? null : `dir ${dir}`].filter(Boolean).join(', ');
  const look = prefixes.map((p) => `; look: redis-cli -u ${redisUrl} --scan --pattern '${p}:*'`).join('');
  return `kept for inspection after "${label}" failed: ${where}${look}`;
}

async function endScope(scope: Scope, failed: boolean): Promise<void> {
  const errors: unknown[] = [];
  while (scope.cleanups.length > 0) {
    try {
      await scope.cleanups.pop()!();
    } catch (err) {
      errors.push(err);
    }
  }
  const keep = failed || errors.length > 0;
  // Loaded only when a test used a prefix: tests without Redis load no Redis client.
  const redis = scope.prefixes.length > 0 ? await import('./redis.js') : undefined;
  if (keep && (scope.prefixes.length > 0 || scope.dir !== undefined)) console.error(keptLine(scope.label, scope.prefixes, scope.dir, redis?.TEST_REDIS_URL ?? ''));
  if (!keep) {
    for (const prefix of scope.prefixes) await redis!.deletePrefix(prefix);
    if (scope.dir !== undefined) rmSync(scope.dir, { recursive: true, force: true });
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors, `${errors.length} cleanups failed after "${scope.label}"`);
}

/** For the hook: a test starts (before its beforeEach hooks). */
export function beginTest(label: string, file: string): void {
  testScope = newScope(label, fileName(file));
}

/** For the hook: a test ended (after its afterEach hooks). */
export async function endTest(failed: boolean): Promise<void> {
  const scope = testScope;
  testScope = undefined;
  if (scope) await endScope(scope, failed);
}

/** For the hook: the file ended (after its afterAll hooks). */
export async function endFile(label: string, failed: boolean): Promise<void> {
  const scope = fileScope;
  fileScope = newScope('(file)', fileName(label));
  await endScope({ ...scope, label }, failed);
}

/** For the hook: the file starts (before its beforeAll hooks), so its directory is named after it. */
export function beginFile(file: string): void {
  fileScope = { ...fileScope, fileName: fileName(file) };
}
