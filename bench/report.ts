// What every benchmark scenario reports: one figure at a time, printed as one line as soon as it is
// measured and gathered into bench/results.json. A figure measured against a ceiling carries the
// ceiling (measured in the same run) and their ratio; its target is a bound on the value or on the
// ratio, and `met` says whether this run kept it. Figures without a target are context (met: null).

export const SCENARIOS = ['startup', 'fanout', 'schedule-state', 'drain', 'drain-remote', 'overhead', 'round', 'fleet-round', 'idle'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface Baseline {
  /** What the ceiling is, e.g. "raw BullMQ addBulk of minimal jobs". */
  readonly name: string;
  readonly value: number;
}

/** A bound: `max` (value or ratio ≤) or `min` (≥), on the value itself or on value / baseline. */
export interface Target {
  readonly max?: number;
  readonly min?: number;
  readonly of?: 'value' | 'ratio';
}

export interface FigureInput {
  readonly figure: string;
  readonly value: number;
  readonly unit: string;
  readonly baseline?: Baseline;
  readonly target?: Target;
  /** Said after the figure on its printed line (e.g. the spread of the runs). */
  readonly note?: string;
}

/** One entry of bench/results.json. */
export interface Figure {
  readonly scenario: ScenarioName;
  readonly figure: string;
  readonly value: number;
  readonly unit: string;
  /** How the target reads, e.g. "≤ 1.2× raw BullMQ addBulk" or "≤ 250 MB"; null: no target. */
  readonly target: string | null;
  readonly met: boolean | null;
  readonly baseline?: Baseline;
  readonly ratio?: number;
  readonly note?: string;
}

const round = (x: number, digits = 3): number => Number(x.toPrecision(digits + 2));

function targetText(t: Target, unit: string, baseline: Baseline | undefined): string {
  const ratio = (t.of ?? (baseline ? 'ratio' : 'value')) === 'ratio';
  const parts: string[] = [];
  const show = (n: number) => (ratio ? `${n}× ${baseline?.name ?? 'ceiling'}` : `${n} ${unit}`);
  if (t.min !== undefined) parts.push(`≥ ${show(t.min)}`);
  if (t.max !== undefined) parts.push(`≤ ${show(t.max)}`);
  return parts.join(' and ');
}

/** Pure: the figure as recorded, with its ratio and whether the target holds. */
export function toFigure(scenario: ScenarioName, input: FigureInput): Figure {
  const ratio = input.baseline && input.baseline.value !== 0 ? round(input.value / input.baseline.value) : undefined;
  let met: boolean | null = null;
  let target: string | null = null;
  if (input.target) {
    const onRatio = (input.target.of ?? (input.baseline ? 'ratio' : 'value')) === 'ratio';
    if (onRatio && ratio === undefined) throw new Error(`bench ${scenario}/${input.figure}: a ratio target needs a baseline`);
    const x = onRatio ? ratio! : input.value;
    met = (input.target.max === undefined || x <= input.target.max) && (input.target.min === undefined || x >= input.target.min);
    target = targetText(input.target, input.unit, input.baseline);
  }
  return {
    scenario,
    figure: input.figure,
    value: round(input.value),
    unit: input.unit,
    target,
    met,
    ...(input.baseline ? { baseline: { name: input.baseline.name, value: round(input.baseline.value) } } : {}),
    ...(ratio !== undefined ? { ratio } : {}),
    ...(input.note ? { note: input.note } : {}),
  };
}

/** Pure: the printed line of a figure. */
export function figureLine(f: Figure): string {
  const value = `${f.value} ${f.unit}`;
  const ceiling = f.baseline ? `  ceiling ${f.baseline.value} ${f.unit} (${f.baseline.name})  ratio ${f.ratio}` : '';
  const target = f.target === null ? '' : `  target ${f.target}  ${f.met ? 'met' : 'MISSED'}`;
  const note = f.note ? `  — ${f.note}` : '';
  return `  ${f.scenario}: ${f.figure} = ${value}${ceiling}${target}${note}`;
}

/** What a scenario is given: where to report its figures. */
export interface BenchContext {
  readonly scenario: ScenarioName;
  report(input: FigureInput): Figure;
  /** A line of context that is not a figure (what was set up, what a ceiling was). */
  say(text: string): void;
}

export function benchContext(scenario: ScenarioName, into: Figure[], write: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): BenchContext {
  return {
    scenario,
    report(input) {
      const f = toFigure(scenario, input);
      into.push(f);
      write(figureLine(f));
      return f;
    },
    say(text) {
      write(`  ${scenario}: ${text}`);
    },
  };
}
