// FLEET_FILE's text → a Fleet, or every problem in it at once, each naming its field path
// (`testpoints[2].hosts[0]: … (got "…")`). Pure: the CLI reads the file (cli/read-fleet-file.ts).
//
// Shape: `defaults` (any testpoint field but id) and `testpoints` (a list). A testpoint's field wins
// over the defaults' one, which wins over psq's own default (the same as the environment variable's,
// variables.ts); `args` and `schedules` are merged per category. Unknown keys are errors: a
// misspelt field must not silently fall back to a default.
import { CronExpressionParser } from 'cron-parser';
import { parseDocument } from 'yaml';
import { z } from 'zod';

import type { ConfigProblem } from '../errors.js';
import { ALL_TOOLS, CATEGORIES, isCategory, type Category } from '../plan/categories.js';
import type { BackendChoice, Destination, ToolMode } from './config.js';
import type { Fleet, FleetTestpoint } from './fleet.js';
import { parseHosts } from './hosts.js';
import { parseDuration } from './iso-duration.js';
import { splitList } from './list-values.js';
import { checkTimeZone } from './load-config.js';
import { splitArgs, validateTestArgs } from './test-args.js';
import { variable } from './variables.js';

export type FleetFormat = 'yaml' | 'json';

export type FleetResult = { readonly ok: true; readonly fleet: Fleet } | { readonly ok: false; readonly problems: readonly ConfigProblem[] };

/** The format a fleet file is read as, by its extension; null for any other. */
export function fleetFormatFor(path: string): FleetFormat | null {
  const ext = /\.([A-Za-z]+)$/.exec(path)?.[1]?.toLowerCase();
  if (ext === 'yaml' || ext === 'yml') return 'yaml';
  if (ext === 'json') return 'json';
  return null;
}

/** A fleet file's text → the Fleet, or every problem (syntax, then fields). `file` names it in the Fleet. */
export function parseFleetFile(text: string, format: FleetFormat, file: string): FleetResult {
  const parsed = format === 'json' ? parseJson(text) : parseYaml(text);
  if (!parsed.ok) return parsed;
  return fleetFromDocument(parsed.document, file);
}

// ── syntax ─────────────────────────────────────────────────────────────────────────────────────

type Parsed = { ok: true; document: unknown } | { ok: false; problems: ConfigProblem[] };

function parseYaml(text: string): Parsed {
  // merge: `<<: *anchor` lets testpoints share blocks beyond `defaults`.
  const doc = parseDocument(text, { merge: true, uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((e) => {
        const at = e.linePos?.[0];
        // The message repeats the position and adds a code frame: keep the sentence.
        const sentence = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
        return fieldProblem(at ? `line ${at.line}, column ${at.col}` : 'the file', `not valid YAML: ${sentence}`);
      }),
    };
  }
  return { ok: true, document: doc.toJS({ maxAliasCount: 1000 }) };
}

function parseJson(text: string): Parsed {
  try {
    return { ok: true, document: JSON.parse(text) as unknown };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const position = /at position (\d+)/.exec(message)?.[1];
    const where = position === undefined ? 'the file' : lineColumn(text, Number(position));
    return { ok: false, problems: [fieldProblem(where, `not valid JSON: ${message.replace(/ in JSON at position \d+.*$/, '')}`)] };
  }
}

function lineColumn(text: string, position: number): string {
  const before = text.slice(0, position).split('\n');
  return `line ${before.length}, column ${before.at(-1)!.length + 1}`;
}

// ── fields ─────────────────────────────────────────────────────────────────────────────────────

/** A testpoint's fields as written (defaults or one testpoint), each already checked on its own. */
interface Written {
  id?: string;
  hosts?: Destination[];
  tests?: Category[];
  reverse?: boolean;
  toolMode?: ToolMode;
  tools?: string[];
  schedule?: string;
  schedules?: Partial<Record<Category, string>>;
  tz?: string;
  backend?: BackendChoice;
  args?: Partial<Record<Category, string[]>>;
  iperf3Args?: string[];
  slip?: number;
  offset?: number;
  concurrency?: number;
}

type Issue = z.core.$ZodRawIssue[];

/** The value a problem shows; `none` for a problem about a key rather than its value. */
const NO_VALUE = Symbol('no value');

/** Reports a problem at `path` below the field (a list index, a category key), showing `got`. */
function report(ctx: { issues: Issue }, got: unknown, message: string, path: (string | number)[] = []): typeof z.NEVER {
  ctx.issues.push({ code: 'custom', message, input: got, path, params: { got } });
  return z.NEVER;
}

const ID = /^[A-Za-z0-9._-]{1,64}$/;
const MAX_DELAY_S = 86_400;
const CATEGORY_LIST = CATEGORIES.join(', ');

/** A list written as a YAML/JSON list of strings, or as one string separated like the environment's. */
function stringList(value: unknown, ctx: { issues: Issue }, what: string, split: (raw: string) => string[]): { items: string[]; indexed: boolean } | null {
  if (typeof value === 'string') return { items: split(value), indexed: false };
  if (!Array.isArray(value)) {
    report(ctx, value, `expected ${what}: a list, or one string`);
    return null;
  }
  let ok = true;
  value.forEach((item, i) => {
    if (typeof item !== 'string') {
      ok = false;
      report(ctx, item, 'expected a string', [i]);
    }
  });
  return ok ? { items: value as string[], indexed: true } : null;
}

const hostsField = z.unknown().transform((value, ctx): Destination[] => {
  const list = stringList(value, ctx, 'destinations (HOSTS entries such as 192.0.2.10@site-a)', (raw) => [raw]);
  if (list === null) return z.NEVER;
  if (!list.indexed) {
    const { hosts, problems } = parseHosts(list.items[0]!);
    for (const p of problems) report(ctx, p.entry, hostExpected(p.expected), [p.index]);
    if (problems.length === 0 && hosts.length === 0) return report(ctx, value, 'expected at least one destination, e.g. "192.0.2.10@site-a site-b.example.org"');
    return problems.length > 0 ? z.NEVER : hosts;
  }
  if (list.items.length === 0) return report(ctx, value, 'expected at least one destination');
  // One entry per item: items with spaces are refused here, the others parsed together (duplicates
  // are found across items) with parseHosts' indexes mapped back to the list's.
  const kept: number[] = [];
  list.items.forEach((entry, i) => {
    if (entry.trim() === '' || /\s/.test(entry.trim())) {
      report(ctx, entry, 'expected one destination per list item (no spaces; HOSTS entries are separated by spaces only in a string)', [i]);
    } else {
      kept.push(i);
    }
  });
  const { hosts, problems } = parseHosts(kept.map((i) => list.items[i]!.trim()).join(' '));
  for (const p of problems) report(ctx, p.entry, hostExpected(p.expected, kept), [kept[p.index]!]);
  return problems.length > 0 || kept.length < list.items.length ? z.NEVER : hosts;
});

/** parseHosts names an earlier entry as HOSTS[n]: in the file it is hosts[n] (an index into `kept` when given). */
function hostExpected(expected: string, kept?: readonly number[]): string {
  return `expected ${expected.replace(/HOSTS\[(\d+)\]/g, (_, n: string) => `hosts[${kept ? kept[Number(n)] : n}]`)}`;
}

function namesField<T extends string>(known: readonly T[], what: string) {
  return z.unknown().transform((value, ctx): T[] => {
    const list = stringList(value, ctx, what, (raw) => splitList(raw));
    if (list === null) return z.NEVER;
    const names = list.items.map((n) => n.trim().toLowerCase());
    if (names.length === 0) return report(ctx, value, `expected ${what}: one or more of ${known.join(', ')}`);
    let bad = false;
    names.forEach((name, i) => {
      if ((known as readonly string[]).includes(name)) return;
      bad = true;
      const hint = closest(name, known);
      report(ctx, list.indexed ? list.items[i] : value, `expected one of ${known.join(', ')}; ${JSON.stringify(name)} is not one${hint ? ` (${hint}?)` : ''}`, list.indexed ? [i] : []);
    });
    return bad ? z.NEVER : ([...new Set(names)] as T[]);
  });
}

const testsField = namesField(CATEGORIES, 'test categories').transform((names) => CATEGORIES.filter((c) => names.includes(c)));
const toolsField = namesField(ALL_TOOLS, 'tools');

/** null when `raw` is a usable 5-field cron pattern; else what is wrong. */
function cronProblem(raw: string): string | null {
  const fields = raw.trim().split(/\s+/);
  if (fields.length !== 5) return `expected a 5-field cron pattern (minute hour day-of-month month day-of-week), e.g. "0 */2 * * *"; it has ${fields.length} fields`;
  try {
    CronExpressionParser.parse(fields.join(' '), { tz: 'UTC' });
  } catch (err) {
    return `expected a valid 5-field cron pattern (${err instanceof Error ? err.message : String(err)})`;
  }
  return null;
}

const cronField = z.unknown().transform((value, ctx): string => {
  if (typeof value !== 'string') return report(ctx, value, 'expected a 5-field cron pattern in quotes, e.g. "0 */2 * * *"');
  const problem = cronProblem(value);
  return problem === null ? value.trim().split(/\s+/).join(' ') : report(ctx, value, problem);
});

/** An object keyed by category, e.g. `{ throughput: …, rtt: … }`. */
function perCategory<T>(what: string, each: (value: unknown, category: Category, ctx: { issues: Issue }) => T | typeof z.NEVER) {
  return z.unknown().transform((value, ctx): Partial<Record<Category, T>> => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return report(ctx, value, `expected ${what} by category, e.g. { throughput: …, rtt: … }`);
    }
    const out: Partial<Record<Category, T>> = {};
    const before = ctx.issues.length;
    for (const [key, item] of Object.entries(value)) {
      if (!isCategory(key)) {
        const hint = closest(key, CATEGORIES);
        report(ctx, NO_VALUE, `unknown category ${JSON.stringify(key)}: expected one of ${CATEGORY_LIST}${hint ? ` (${hint}?)` : ''}`, [key]);
        continue;
      }
      const parsed = each(item, key, { issues: ctx.issues });
      if (ctx.issues.length === before) out[key] = parsed as T;
    }
    return ctx.issues.length > before ? z.NEVER : out;
  });
}

const schedulesField = perCategory('cron patterns', (value, category, ctx) => {
  if (typeof value !== 'string') return report(ctx, value, 'expected a 5-field cron pattern in quotes, e.g. "0 */6 * * *"', [category]);
  const problem = cronProblem(value);
  return problem === null ? value.trim().split(/\s+/).join(' ') : report(ctx, value, problem, [category]);
});

function testArgs(value: unknown, category: Category, ctx: { issues: Issue }, path: (string | number)[]): string[] | typeof z.NEVER {
  let args: string[];
  if (typeof value === 'string') args = splitArgs(value);
  else if (Array.isArray(value) && value.every((a) => typeof a === 'string')) args = value as string[];
  else return report(ctx, value, `expected extra pScheduler ${category} test flags as one string ("-P 4 -t 30") or a list of strings`, path);
  const problems = validateTestArgs(category, args);
  return problems.length === 0 ? args : report(ctx, value, `expected extra pScheduler ${category} test flags: ${problems.join('; ')}`, path);
}

const argsField = perCategory('extra test flags', (value, category, ctx) => testArgs(value, category, ctx, [category]));
const iperf3ArgsField = z.unknown().transform((value, ctx) => testArgs(value, 'throughput', ctx, []));

/** slip and offset: ISO 8601 durations (PT5M, PT30S), as pScheduler writes its `slip`; → ms. */
const delayField = z.unknown().transform((value, ctx): number => {
  const expected = `expected an ISO 8601 duration from PT0S to P1D in quotes, e.g. "PT5M" or "PT30S"`;
  if (typeof value === 'number') return report(ctx, value, `${expected} (a bare number has no unit: write "PT${value}S" for ${value} seconds)`);
  if (typeof value !== 'string' || !/^P/i.test(value.trim())) return report(ctx, value, expected);
  const seconds = parseDuration(value);
  if (seconds === undefined || seconds < 0 || seconds > MAX_DELAY_S) return report(ctx, value, expected);
  return Math.round(seconds * 1000);
});

const tzField = z.unknown().transform((value, ctx): string => {
  if (typeof value !== 'string') return report(ctx, value, 'expected an IANA timezone name such as UTC or Europe/Oslo');
  const problem = checkTimeZone(value.trim());
  return problem === null ? value.trim() : report(ctx, value, `expected ${problem}`);
});

const FIELDS = {
  id: z.string({ error: 'expected a testpoint id: 1 to 64 of letters, digits, . _ -' }).regex(ID, { error: 'expected a testpoint id: 1 to 64 of letters, digits, . _ - (no ":", BullMQ uses it as a separator)' }),
  hosts: hostsField,
  tests: testsField,
  reverse: z.boolean({ error: 'expected true or false (without quotes)' }),
  toolMode: z.enum(['auto', 'all', 'subset'], { error: 'expected auto, all or subset' }),
  tools: toolsField,
  schedule: cronField,
  schedules: schedulesField,
  tz: tzField,
  backend: z.enum(['pscheduler', 'direct', 'auto'], { error: 'expected pscheduler, direct or auto' }),
  args: argsField,
  iperf3Args: iperf3ArgsField,
  slip: delayField,
  offset: delayField,
  concurrency: z.number({ error: 'expected a whole number from 1 to 256' }).int({ error: 'expected a whole number from 1 to 256' }).min(1, { error: 'expected a whole number from 1 to 256' }).max(256, { error: 'expected a whole number from 1 to 256' }),
} satisfies { [K in keyof Written]-?: z.ZodType<Written[K]> };

type FieldName = keyof typeof FIELDS;
const FIELD_NAMES = Object.keys(FIELDS) as FieldName[];
const DEFAULT_FIELD_NAMES = FIELD_NAMES.filter((f) => f !== 'id');

/** One object (defaults or a testpoint): every field checked on its own, unknown keys refused. */
function readObject(value: unknown, path: string, allowed: readonly FieldName[], problems: ConfigProblem[]): { written: Written; bad: Set<FieldName> } | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.push(fieldProblem(path, `expected an object of testpoint fields (${allowed.join(', ')})`, value));
    return null;
  }
  const written: Record<string, unknown> = {};
  const bad = new Set<FieldName>();
  for (const [key, raw] of Object.entries(value)) {
    if (!(allowed as readonly string[]).includes(key)) {
      const hint = closest(key, allowed);
      const why = key === 'id' ? 'an id belongs to each testpoint, not to defaults' : `expected one of ${allowed.join(', ')}${hint ? ` (${hint}?)` : ''}`;
      problems.push(fieldProblem(`${path}.${key}`, `unknown field: ${why}`));
      continue;
    }
    const field = key as FieldName;
    const parsed = FIELDS[field].safeParse(raw);
    if (parsed.success) {
      written[field] = parsed.data;
    } else {
      bad.add(field);
      for (const issue of parsed.error.issues) {
        // report() says what to show; zod's own issues (a wrong type) show the value at their path.
        const params = (issue as { params?: { got?: unknown } }).params;
        const got = params !== undefined && 'got' in params ? params.got : valueAt(raw, issue.path);
        problems.push(fieldProblem(pathText(`${path}.${field}`, issue.path), issue.message, got === NO_VALUE ? undefined : got));
      }
    }
  }
  return { written: written as Written, bad };
}

// ── the fleet ─────────────────────────────────────────────────────────────────────────────────

/** psq's own defaults: the environment variables' (variables.ts), so a fleet file and a .env agree. */
function builtInDefaults(): Omit<FleetTestpoint, 'id' | 'hosts'> {
  return {
    tests: [...CATEGORIES],
    reverse: variable('REVERSE').default === 'true',
    toolMode: variable('TOOL_MODE').default as ToolMode,
    tools: [],
    categoryArgs: Object.fromEntries(CATEGORIES.map((c) => [c, null])) as Record<Category, null>,
    iperf3Args: splitArgs(variable('IPERF3_ARGS').default ?? ''),
    schedule: variable('CRON_EXPRESSION').default!,
    schedules: {},
    tz: variable('TZ').default!,
    backend: variable('BACKEND').default as BackendChoice,
    slipMs: 0,
    offsetMs: 0,
    concurrency: Number(variable('MEASURE_CONCURRENCY').default),
  };
}

/** An already-parsed document (YAML or JSON) → the Fleet, or every problem in it. */
export function fleetFromDocument(document: unknown, file: string): FleetResult {
  const problems: ConfigProblem[] = [];
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    return { ok: false, problems: [fieldProblem('the file', 'expected an object with `testpoints` (a list) and optionally `defaults`', document === null ? undefined : document)] };
  }
  const root = document as Record<string, unknown>;
  for (const key of Object.keys(root)) {
    if (key !== 'defaults' && key !== 'testpoints') {
      const hint = closest(key, ['defaults', 'testpoints']);
      problems.push(fieldProblem(key, `unknown field: expected defaults or testpoints${hint ? ` (${hint}?)` : ''}`));
    }
  }

  const defaults = root['defaults'] === undefined ? { written: {}, bad: new Set<FieldName>() } : readObject(root['defaults'], 'defaults', DEFAULT_FIELD_NAMES, problems);
  if (defaults !== null && defaults.written.tools !== undefined && defaults.written.toolMode !== undefined && defaults.written.toolMode !== 'subset') {
    problems.push(fieldProblem('defaults.tools', `tools only go with toolMode: subset (defaults.toolMode is ${defaults.written.toolMode})`));
  }

  const list = root['testpoints'];
  if (!Array.isArray(list) || list.length === 0) {
    problems.push(fieldProblem('testpoints', 'expected a list of one or more testpoints, each with at least id and hosts', list));
    return { ok: false, problems };
  }

  const testpoints: FleetTestpoint[] = [];
  const firstIndexOf = new Map<string, number>();
  list.forEach((item, index) => {
    const path = `testpoints[${index}]`;
    const own = readObject(item, path, FIELD_NAMES, problems);
    if (own === null) return;
    const { written, bad } = own;
    if (written.id === undefined && !bad.has('id')) problems.push(fieldProblem(`${path}.id`, 'expected the testpoint id ([A-Za-z0-9._-], unique in the fleet); it is missing'));
    if (written.id !== undefined) {
      const first = firstIndexOf.get(written.id);
      if (first !== undefined) problems.push(fieldProblem(`${path}.id`, `expected an id no other testpoint has (testpoints[${first}] has it too)`, written.id));
      else firstIndexOf.set(written.id, index);
    }
    const testpoint = resolveTestpoint(own, defaults ?? { written: {}, bad: new Set(DEFAULT_FIELD_NAMES) }, path, problems);
    if (testpoint !== null) testpoints.push(testpoint);
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, fleet: { file, testpoints } };
}

interface ReadObject {
  readonly written: Written;
  /** Fields written but wrong (already reported): checks that need them are skipped. */
  readonly bad: ReadonlySet<FieldName>;
}

/**
 * A testpoint's own fields over the defaults over psq's; null when a field was wrong or what they
 * give together is (reported, with every check the good fields still allow).
 */
function resolveTestpoint(own: ReadObject, defaults: ReadObject, path: string, problems: ConfigProblem[]): FleetTestpoint | null {
  const base = builtInDefaults();
  const isBad = (key: FieldName) => own.bad.has(key) || (own.written[key] === undefined && defaults.bad.has(key));
  const pick = <K extends FieldName>(key: K): Written[K] => own.written[key] ?? defaults.written[key];
  const before = problems.length;

  const hosts = pick('hosts');
  if (hosts === undefined && !isBad('hosts')) problems.push(fieldProblem(`${path}.hosts`, 'expected the destinations of this testpoint (here, or in defaults); hosts is missing'));
  const toolMode = pick('toolMode') ?? base.toolMode;
  const tools = pick('tools');
  if (!isBad('toolMode') && !isBad('tools')) {
    if (toolMode === 'subset' && tools === undefined) {
      problems.push(fieldProblem(`${path}.tools`, `expected the tools to run with toolMode: subset (one or more of ${ALL_TOOLS.join(', ')}); tools is missing`));
    }
    if (toolMode !== 'subset' && own.written.tools !== undefined) {
      problems.push(fieldProblem(`${path}.tools`, `tools only go with toolMode: subset (this testpoint's toolMode is ${toolMode})`));
    }
  }
  const anyBad = FIELD_NAMES.some(isBad) || DEFAULT_FIELD_NAMES.some((k) => defaults.bad.has(k));
  const written = own.written;
  const id = written.id;
  if (problems.length > before || anyBad || hosts === undefined || id === undefined) return null;
  const defaultsWritten = defaults.written;

  const args = { ...defaultsWritten.args, ...written.args };
  return {
    id,
    hosts,
    tests: pick('tests') ?? base.tests,
    reverse: pick('reverse') ?? base.reverse,
    toolMode,
    tools: toolMode === 'subset' ? (tools ?? []) : [],
    categoryArgs: Object.fromEntries(CATEGORIES.map((c) => [c, args[c] ?? null])) as Record<Category, string[] | null>,
    iperf3Args: pick('iperf3Args') ?? base.iperf3Args,
    schedule: pick('schedule') ?? base.schedule,
    schedules: { ...defaultsWritten.schedules, ...written.schedules },
    tz: pick('tz') ?? base.tz,
    backend: pick('backend') ?? base.backend,
    slipMs: pick('slip') ?? base.slipMs,
    offsetMs: pick('offset') ?? base.offsetMs,
    concurrency: pick('concurrency') ?? base.concurrency,
  };
}

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

function fieldProblem(path: string, message: string, value?: unknown): ConfigProblem {
  return { variable: path, value: value === undefined ? undefined : showValue(value), expected: message, field: true };
}

/** `testpoints[2].hosts` + [0] → `testpoints[2].hosts[0]`; + ['throughput'] → `….args.throughput`. */
function pathText(base: string, path: readonly PropertyKey[]): string {
  return path.reduce<string>((text, key) => (typeof key === 'number' ? `${text}[${key}]` : `${text}.${String(key)}`), base);
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let at = value;
  for (const key of path) {
    if (at === null || typeof at !== 'object') return at;
    at = (at as Record<PropertyKey, unknown>)[key];
  }
  return at;
}

const SHOWN_CHARS = 80;

function showValue(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > SHOWN_CHARS ? `${text.slice(0, SHOWN_CHARS)}…` : text;
}

/** The known name `word` most likely misspells (edit distance at most 2), for "did you mean" hints. */
function closest(word: string, known: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = 3;
  for (const candidate of known) {
    const d = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length]!;
}
