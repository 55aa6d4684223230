// Every test file's set-up and teardown (vitest.config.ts setupFiles), so no file writes its own:
// each test's prefix, directory and cleanups (test-context.ts), and a check that the file gives
// back every Redis connection and child process it opened (leak-check.ts). Registered before the
// file's own hooks, so with vitest's stacked hooks its after-hooks run after the file's.
import { afterAll, afterEach, beforeAll, beforeEach, type RunnerTask, type RunnerTestFile, type RunnerTestSuite } from 'vitest';
import { holdings, leakedSince, type Holdings } from './leak-check.js';
import { beginFile, beginTest, endFile, endTest } from './test-context.js';

let before: Holdings;

const failedWithin = (task: RunnerTask): boolean => task.result?.state === 'fail' || (task.type === 'suite' && task.tasks.some(failedWithin));

// biome-ignore lint/correctness/noEmptyPattern: vitest requires a destructuring pattern for the context it passes first.
beforeAll(({}, suite: Readonly<RunnerTestSuite | RunnerTestFile>) => {
  before = holdings();
  beginFile(suite.name);
});

beforeEach((context) => {
  beginTest(context.task.fullName, context.task.file.name);
});

afterEach(async (context) => {
  await endTest(context.task.result?.state === 'fail');
});

// biome-ignore lint/correctness/noEmptyPattern: as above.
afterAll(async ({}, suite: Readonly<RunnerTestSuite | RunnerTestFile>) => {
  await endFile(suite.name, failedWithin(suite as RunnerTask));
  const leaks = await leakedSince(before);
  if (leaks.length > 0) throw new Error(`${suite.name} leaked: ${leaks.join(' | ')}`);
});
