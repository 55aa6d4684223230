// `npm run bench [-- SCENARIO…]`: every scenario (or the named ones), each in a process of its own so
// one's heap, sockets and timers never weigh on the next. Each prints one line per figure as it is
// measured; at the end the figures go to bench/results.json (BENCH_RESULTS overrides the path),
// replacing the scenarios that ran and keeping the others' last figures. Not part of `npm test`:
// it prints figures and asserts nothing, and a scenario that crashes makes the exit code 1.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { ensureBuilt } from '../test/helpers/build.js';
import { type Figure, SCENARIOS, type ScenarioName } from './report.js';

const RESULTS = process.env['BENCH_RESULTS'] ?? fileURLToPath(new URL('./results.json', import.meta.url));
const CHILD = fileURLToPath(new URL('./scenario-child.ts', import.meta.url));
/** A scenario that runs longer than this is stopped and counted as crashed. */
const SCENARIO_LIMIT_MS = Number(process.env['BENCH_SCENARIO_LIMIT_MS'] ?? 240_000);

const chosen = process.argv.slice(2);
const unknown = chosen.filter((name) => !(SCENARIOS as readonly string[]).includes(name));
if (unknown.length > 0) {
  console.error(`bench: no scenario ${unknown.join(', ')}; expected one or more of ${SCENARIOS.join(', ')}`);
  process.exit(2);
}
const run = (chosen.length > 0 ? chosen : [...SCENARIOS]) as ScenarioName[];
ensureBuilt();

const started = performance.now();
const dir = mkdtempSync(join(tmpdir(), 'psq-bench-'));
const figures: Figure[] = [];
const crashed: string[] = [];
try {
  for (const scenario of run) {
    const out = join(dir, `${scenario}.json`);
    const t = performance.now();
    console.log(`${scenario}:`);
    const child = await execa(process.execPath, ['--import', 'tsx', '--expose-gc', CHILD, scenario, out], {
      stdio: 'inherit',
      reject: false,
      timeout: SCENARIO_LIMIT_MS,
      env: { BENCH_SCENARIO: scenario },
    });
    if (existsSync(out)) figures.push(...(JSON.parse(readFileSync(out, 'utf8')) as Figure[]));
    if (child.exitCode !== 0) crashed.push(`${scenario} (${child.timedOut ? `stopped after ${SCENARIO_LIMIT_MS} ms` : `exit ${child.exitCode ?? child.signal}`})`);
    console.log(`  ${scenario}: ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const kept = existsSync(RESULTS) ? (JSON.parse(readFileSync(RESULTS, 'utf8')) as Figure[]).filter((f) => !run.includes(f.scenario)) : [];
const all = [...kept, ...figures].sort((a, b) => SCENARIOS.indexOf(a.scenario) - SCENARIOS.indexOf(b.scenario));
writeFileSync(RESULTS, `${JSON.stringify(all, null, 2)}\n`);
const targets = figures.filter((f) => f.met !== null);
const missed = targets.filter((f) => f.met === false);
console.log(
  `bench: ${run.length} scenario(s) in ${((performance.now() - started) / 1000).toFixed(0)} s; ${targets.length - missed.length} of ${targets.length} targets met` +
    (missed.length > 0 ? `; missed: ${missed.map((f) => `${f.scenario}/${f.figure}`).join(', ')}` : '') +
    `; figures in ${RESULTS}`,
);
if (crashed.length > 0) {
  console.error(`bench: crashed: ${crashed.join(', ')}`);
  process.exit(1);
}
