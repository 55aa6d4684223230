// One scenario in a process of its own (bench/run.ts starts it): runs bench/scenarios/NAME.ts and
// writes the figures it reported to OUT.json, even when it fails part-way.
import { writeFileSync } from 'node:fs';
import { benchContext, type Figure, type ScenarioName } from './report.js';

const [scenario, out] = process.argv.slice(2) as [ScenarioName, string];
const figures: Figure[] = [];
let code = 0;
try {
  const mod = (await import(`./scenarios/${scenario}.js`)) as { default: (ctx: ReturnType<typeof benchContext>) => Promise<void> };
  await mod.default(benchContext(scenario, figures));
} catch (err) {
  console.error(`  ${scenario}: failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  code = 1;
} finally {
  writeFileSync(out, JSON.stringify(figures));
}
// Scenarios close what they open; exiting here keeps a forgotten timer from hanging the run.
process.exit(code);
