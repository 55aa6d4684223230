// The compiled build (dist/) that bin/psq.js and dist/workers/*.js run, brought up to date before a
// test spawns it: `npm test` builds first, and this keeps a single test file run by hand
// (`npx vitest run test/integration/x.test.ts`) from exercising a stale dist/.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execaSync } from 'execa';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));
/** Written on every build (tsc rewrites all its outputs), so its time is the build's. */
const BUILD_STAMP = join(REPO, 'dist/src/cli/main.js');

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

function builtAt(): number {
  try {
    return statSync(BUILD_STAMP).mtimeMs;
  } catch {
    return 0;
  }
}

/** Runs `npm run build`'s compiler when a source under src/ or workers/ is newer than dist/. */
export function ensureBuilt(): void {
  const sources = Math.max(newestSource(join(REPO, 'src')), newestSource(join(REPO, 'workers')), statSync(join(REPO, 'tsconfig.build.json')).mtimeMs);
  if (builtAt() >= sources) return;
  // Type errors are `tsc --noEmit`'s to report (npm test runs it); the compiler still emits the
  // JavaScript, and that is all a spawned psq needs.
  const r = execaSync(join(REPO, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.build.json'], { cwd: REPO, reject: false });
  if (builtAt() < sources) throw new Error(`npm run build did not write ${BUILD_STAMP}:\n${r.stdout}\n${r.stderr}`);
}
