// Reads environment variables for load-config: empty counts as unset, and every bad value is
// collected as a problem instead of stopping at the first.
import { z } from 'zod';
import type { ConfigProblem } from '../errors.js';

export type Env = Readonly<Record<string, string | undefined>>;

const bool = z.stringbool({ truthy: ['true', '1', 'yes'], falsy: ['false', '0', 'no'], case: 'insensitive' });
const int = (min: number, max: number) =>
  z.string().regex(/^\d{1,15}$/).transform(Number).pipe(z.number().int().min(min).max(max));

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

  field<T>(name: string, schema: z.ZodType<T>, expected: string, fallback: T): T {
    const raw = this.raw(name);
    if (raw === undefined) return fallback;
    const parsed = schema.safeParse(raw.trim());
    if (parsed.success) return parsed.data;
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

