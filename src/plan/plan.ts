// config → plan: the cron runner's rules for which measurements a round runs. Pure.
import type { Config } from '../config/config.js';
import { CATEGORY_INFO, type Category, type Direction } from './categories.js';
import type { MeasurementSpec, Plan, PlanNote } from './measurement-spec.js';

export type PlanInput = Pick<
  Config,
  'hosts' | 'tests' | 'reverse' | 'toolMode' | 'tools' | 'categoryArgs' | 'iperf3Args' | 'testpoint'
>;

/** The cron runner's throughput defaults; THROUGHPUT_ARGS replaces them. */
export const DEFAULT_CATEGORY_ARGS: Readonly<Record<Category, readonly string[]>> = {
  latency: [],
  rtt: [],
  throughput: ['-P', '4', '-t', '60'],
  trace: [],
  mtu: [],
  clock: [],
};

/** Tools a round runs for one category; null stands for "pScheduler picks". */
export function toolsFor(category: Category, input: Pick<PlanInput, 'toolMode' | 'tools'>): (string | null)[] {
  const info = CATEGORY_INFO[category];
  switch (input.toolMode) {
    case 'auto':
      return [info.autoTool];
    case 'all':
      return [...info.tools];
    case 'subset':
      return info.tools.filter((t) => input.tools.includes(t));
  }
}

/** Whether a reverse run of this tool really measures the reverse path; else why not. */
export function reverseSupport(category: Category, tool: string | null): { ok: true } | { ok: false; why: string | null } {
  const info = CATEGORY_INFO[category];
  if (tool === null) return info.reverseWhenAuto ? { ok: true } : { ok: false, why: null };
  if (info.reverseTools.includes(tool)) return { ok: true };
  return { ok: false, why: info.noReverseReason[tool] ?? null };
}

export function argsFor(category: Category, tool: string | null, input: Pick<PlanInput, 'categoryArgs' | 'iperf3Args'>): string[] {
  const base = input.categoryArgs[category] ?? DEFAULT_CATEGORY_ARGS[category];
  return tool === 'iperf3' ? [...base, ...input.iperf3Args] : [...base];
}

export function plan(input: PlanInput): Plan {
  const specs: MeasurementSpec[] = [];
  const notes: PlanNote[] = [];
  const perCategory = input.tests.map((category) => {
    const tools = toolsFor(category, input);
    if (tools.length === 0) {
      notes.push({
        category,
        tool: null,
        message: `skipped: TOOL_MODE=subset and TOOLS names none of ${CATEGORY_INFO[category].tools.join(', ')}`,
      });
    }
    const runs = tools.map((tool) => {
      const directions: Direction[] = ['forward'];
      if (input.reverse) {
        const support = reverseSupport(category, tool);
        if (support.ok) directions.push('reverse');
        else if (support.why) notes.push({ category, tool, message: `no reverse run: ${support.why}` });
      }
      return { tool, directions, args: argsFor(category, tool, input) };
    });
    return { category, runs };
  });

  for (const host of input.hosts) {
    for (const { category, runs } of perCategory) {
      for (const { tool, directions, args } of runs) {
        for (const direction of directions) {
          specs.push({
            testpoint: input.testpoint,
            category,
            tool,
            dest: { ip: host.ip, name: host.name },
            source: host.source,
            direction,
            args,
          });
        }
      }
    }
  }
  return { specs, notes };
}
