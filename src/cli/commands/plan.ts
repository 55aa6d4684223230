// psq plan and psq list-tests: what would run, and with which tools. No Redis, no measurements.
import type { Config } from '../../config/config.js';
import { createBackend } from '../../measure/create-backend.js';
import { decideBackend } from '../../measure/select-backend.js';
import { CATEGORIES, CATEGORY_INFO } from '../../plan/categories.js';
import { plan } from '../../plan/plan.js';

export function listTests(): string {
  return CATEGORIES.map((c) => {
    const info = CATEGORY_INFO[c];
    const reverse = info.reverseTools.length > 0 ? `reverse with ${info.reverseTools.join(', ')}` : 'no reverse';
    return `${c.padEnd(11)} tools: ${info.tools.join(', ').padEnd(28)} auto: ${(info.autoTool ?? '(pScheduler picks)').padEnd(19)} ${reverse}`;
  }).join('\n');
}

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
