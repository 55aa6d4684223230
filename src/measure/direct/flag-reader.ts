// Split pScheduler-style test args into (canonical flag, value) pairs, never throwing on bad input.
import { TEST_FLAGS } from '../../config/test-args.js';
import type { Category } from '../../plan/categories.js';
import { parseDuration } from '../../config/iso-duration.js';

export interface Flag {
  /** The long name (`--count` for `-c`), so callers switch on one spelling. */
  readonly name: string;
  /** The value, or null for a boolean flag. */
  readonly value: string | null;
  /** As written, for messages: `-c 5`, `--no-fragment`. */
  readonly text: string;
  /** Why the token(s) could not be read at all; the caller lists it and moves on. */
  readonly problem: string | null;
}

/**
 * Flags in the order given, unreadable ones carrying a `problem`. Arity comes from the same
 * allow-list that validates *_ARGS (config/test-args.ts), so a flag the config accepts is read the
 * same way here. Job data was validated before it reached us, but a stray token still only
 * becomes a problem, never an exception.
 */
export function readFlags(category: Category, args: readonly string[]): Flag[] {
  const specs = TEST_FLAGS[category] ?? [];
  const flags: Flag[] = [];
  const bad = (text: string, problem: string): Flag => ({ name: text, value: null, text, problem: `${text}: ${problem}` });
  for (let i = 0; i < args.length; i++) {
    const arg = String(args[i]);
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const written = eq >= 0 ? arg.slice(0, eq) : arg;
    const spec = specs.find((s) => s.names.includes(written));
    if (spec === undefined) {
      flags.push(bad(arg, `not a ${category} flag`));
      continue;
    }
    const name = spec.names.find((n) => n.startsWith('--')) ?? written;
    if (!spec.value) {
      flags.push({ name, value: null, text: arg, problem: null });
      continue;
    }
    const value = eq >= 0 ? arg.slice(eq + 1) : args[i + 1];
    // As in the config validator, a following flag is not swallowed as this flag's value.
    if (value === undefined || value === '' || (eq < 0 && /^-(?!\d)/.test(String(value)))) {
      flags.push(bad(arg, 'needs a value'));
      continue;
    }
    if (eq < 0) i++;
    flags.push({ name, value: String(value), text: eq >= 0 ? arg : `${arg} ${value}`, problem: null });
  }
  return flags;
}

/** Value readers: each returns undefined for a bad value, and the caller reports it. */
export const read = {
  positiveInt(value: string | null): number | undefined {
    return value !== null && /^\d+$/.test(value) && Number(value) > 0 ? Number(value) : undefined;
  },
  nonNegativeInt(value: string | null): number | undefined {
    return value !== null && /^\d+$/.test(value) ? Number(value) : undefined;
  },
  positiveNumber(value: string | null): number | undefined {
    return value !== null && /^\d+(?:\.\d+)?$/.test(value) && Number(value) > 0 ? Number(value) : undefined;
  },
  /** ISO 8601 or bare seconds, > 0 unless `allowZero`. */
  duration(value: string | null, allowZero = false): number | undefined {
    const seconds = value === null ? undefined : parseDuration(value);
    if (seconds === undefined || seconds < 0 || (!allowZero && seconds === 0)) return undefined;
    return seconds;
  },
  ipVersion(value: string | null): 4 | 6 | undefined {
    return value === '4' ? 4 : value === '6' ? 6 : undefined;
  },
  /** A number with an optional SI suffix, as iperf3 itself accepts it (`10M`, `1.5G`). */
  si(value: string | null): string | undefined {
    return value !== null && /^\d+(?:\.\d+)?[kKmMgGtT]?$/.test(value) ? value : undefined;
  },
};
