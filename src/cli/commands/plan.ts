// psq plan: what would run, and with which tools. No Redis, no measurements. (list-tests: list-tests.ts)
import type { Config } from '../../config/config.js';
import { createBackend } from '../../measure/create-backend.js';
import { decideBackend } from '../../measure/select-backend.js';
import { plan } from '../../plan/plan.js';

/** Plan lines on stdout (one JSON object each); the backend and plan notes on stderr. */
export function planCommand(config: Config): number {
  const decision = decideBackend(config);
  process.stderr.write(`backend: ${decision.name} (${decision.reason})\n`);
  const { specs, notes } = plan(config);
  for (const n of notes) process.stderr.write(`note: ${n.category}/${n.tool ?? 'auto'}: ${n.message}\n`);
  const { supports } = createBackend(decision.name, config);
  const lines = specs.map((s) => {
    const support = supports(s);
    return JSON.stringify(support.ok ? s : { ...s, skipped: support.reason });
  });
  process.stdout.write(lines.map((l) => `${l}\n`).join(''));
  return 0;
}
