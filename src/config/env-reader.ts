// Reads environment variables for load-config: empty counts as unset, and every bad value is
// collected as a problem instead of stopping at the first.
//
// The checks are small functions, not a schema library: every role reads its configuration at start,
// and zod alone kept ~13 MB resident in each idle process (bench/scenarios/idle.ts; the fleet file,
// a richer document, still uses it).
import type { ConfigProblem } from '../errors.js';

export type Env = Readonly<Record<string, string | undefined>>;

/** Reads a trimmed raw value: the value, or undefined when it is not acceptable. */
export type ValueParser<T> = (raw: string) => T | undefined;

/** One of `choices`, spelled exactly (`caseInsensitive`: any case, returned as the choice is spelled). */
export function oneOf<const T extends string>(choices: readonly T[], caseInsensitive = false): ValueParser<T> {
  return (raw) => {
    const wanted = caseInsensitive ? raw.toLowerCase() : raw;
    return choices.find((c) => (caseInsensitive ? c.toLowerCase() : c) === wanted);
  };
}

/** The raw value itself, when the whole of it matches `re`. */
export function matching(re: RegExp): ValueParser<string> {
  return (raw) => (re.test(raw) ? raw : undefined);
}

const TRUTHY = ['true', '1', 'yes'];
const FALSY = ['false', '0', 'no'];
const bool: ValueParser<boolean> = (raw) => {
  const v = raw.toLowerCase();
  return TRUTHY.includes(v) ? true : FALSY.includes(v) ? false : undefined;
};
const int = (min: number, max: number): ValueParser<number> => (raw) => {
  if (!/^\d{1,15}$/.test(raw)) return undefined;
  const n = Number(raw);
  return n >= min && n <= max ? n : undefined;
};

/** Reads variables, treating empty as unset, and collects problems instead of stopping at the first. */
export class EnvReader {
  readonly problems: ConfigProblem[] = [];
  constructor(private readonly env: Env) {}

  raw(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value.trim() === '' ? undefined : value;
  }

  /** The first of `names` that is set, with the name it came from (aliases). */
  first(...names: string[]): { name: string; raw: string } | undefined {
    for (const name of names) {
      const raw = this.raw(name);
      if (raw !== undefined) return { name, raw };
    }
    return undefined;
  }

  problem(variable: string, value: string | undefined, expected: string): void {
    this.problems.push({ variable, value, expected });
  }

  field<T>(name: string, parse: ValueParser<T>, expected: string, fallback: T): T {
    const raw = this.raw(name);
    if (raw === undefined) return fallback;
    const parsed = parse(raw.trim());
    if (parsed !== undefined) return parsed;
    this.problem(name, raw, expected);
    return fallback;
  }

  bool(name: string, fallback: boolean): boolean {
    return this.field(name, bool, 'true or false (also 1/0, yes/no)', fallback);
  }

  int(name: string, fallback: number, min: number, max: number): number {
    return this.field(name, int(min, max), `a whole number from ${min} to ${max}`, fallback);
  }
}

