// The pScheduler test flags an operator (or a job) may add per category; everything else is refused.
//
// Used for *_ARGS at config time and again by the measure worker on untrusted job data, so the rules are
// an allow-list: known flag, known arity, a conservative character set, and none of the flags the worker
// sets itself. Flag tables follow the tests' cli-to-spec (reference/pscheduler.md §2).
import { isCategory, type Category } from '../plan/categories.js';
import { checkTestArgValue } from './test-arg-values.js';

/** A flag and its aliases; `value` says whether it consumes the next token. */
interface FlagSpec {
  readonly names: readonly string[];
  readonly value: boolean;
}

const v = (...names: string[]): FlagSpec => ({ names, value: true });
const b = (...names: string[]): FlagSpec => ({ names, value: false });

/** Extra test flags per category; endpoints, direction and output are deliberately absent. */
export const TEST_FLAGS: Readonly<Record<Category, readonly FlagSpec[]>> = {
  rtt: [
    v('-c', '--count'), v('-i', '--interval'), v('--timeout'), v('--deadline'), v('--ip-version'),
    v('--length'), v('--ttl'), v('--ip-tos'), v('--flow-label'), v('--port'), v('--protocol'),
    b('--hostnames'), b('--no-hostnames'), b('--fragment'), b('--no-fragment'),
    b('--suppress-loopback'), b('--no-suppress-loopback'),
  ],
  latency: [
    v('-c', '--packet-count'), v('-i', '--packet-interval'), v('-L', '--packet-timeout'),
    v('-p', '--packet-padding'), v('-C', '--ctrl-port'), v('-P', '--data-ports'), v('-T', '--ip-tos'),
    v('--ip-version'), v('-b', '--bucket-width'), v('--protocol'),
    b('-f', '--flip'), b('-R', '--output-raw'), b('--traverse-nat'),
  ],
  throughput: [
    v('-t', '--duration'), v('-i', '--interval'), v('-O', '--omit'), v('-P', '--parallel'),
    v('-b', '--bandwidth'), v('--burst-size'), v('--fq-rate'), v('-w', '--window-size'), v('-m', '--mss'),
    v('-l', '--buffer-length'), v('--ip-tos'), v('--ip-version'), v('-B', '--local-address'),
    v('--congestion'), v('--flow-label'), v('--client-cpu-affinity'), v('--server-cpu-affinity'),
    v('--single-ended-port'), v('--link-rtt'), v('--protocol'),
    b('-u', '--udp'), b('--bandwidth-strict'), b('--no-delay'), b('--zero-copy'), b('--single-ended'),
    b('--reverse-connections'), b('--loopback'), b('--bidirectional'), b('--rdma'),
  ],
  trace: [
    v('--algorithm'), v('--ip-version'), v('--length'), v('--probe-type'), v('--first-ttl'), v('--hops'),
    v('--queries'), v('--dest-port'), v('--wait'), v('--sendwait'), v('--ip-tos'), v('--flow-label'),
    b('--as'), b('--no-as'), b('--fragment'), b('--no-fragment'), b('--hostnames'), b('--no-hostnames'),
  ],
  mtu: [v('-i', '--ip-version'), v('--port')],
  clock: [v('--timeout')],
};

/** Set by the worker from HOSTS, the plan and its own output handling; never taken from extra args. */
export const WORKER_FLAGS: readonly string[] = [
  '--dest', '-d', '--destination', '--dest-node', '--source', '-s', '--source-node', '--reverse', '-r',
  '--format', '--output', '--tool', '--archive', '--import',
];

const REVERSE_FLAGS = ['--reverse', '-r'];
const SAFE_ARG = /^[A-Za-z0-9._:,/+=@%-]+$/;
const SAFE_CHARS_TEXT = 'letters, digits and . _ : , / + = @ % -';
const NUMBER = /^-\d+(?:\.\d+)?$/;
// Job data is untrusted: bound its size before looking at it.
const MAX_ARGS = 64;
const MAX_ARG_LENGTH = 256;

/** Whitespace-split a *_ARGS value (no quoting: no arg needs a space). */
export function splitArgs(raw: string): string[] {
  return raw.split(/\s+/).filter((arg) => arg.length > 0);
}

/** Problems with `args` as extra flags for `category`; an empty list means they are allowed. */
export function validateTestArgs(category: Category, args: readonly string[]): string[] {
  if (!isCategory(category)) return [`unknown test category ${JSON.stringify(category)}`];
  if (!Array.isArray(args)) return ['args must be a list of strings'];
  if (args.length > MAX_ARGS) return [`at most ${MAX_ARGS} args (got ${args.length})`];
  const flags = TEST_FLAGS[category];
  const problems: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg: unknown = args[i];
    if (typeof arg !== 'string' || arg.length === 0 || arg.length > MAX_ARG_LENGTH || !SAFE_ARG.test(arg)) {
      problems.push(`${show(arg)} has characters outside ${SAFE_CHARS_TEXT} (or is empty or too long)`);
      continue;
    }
    if (!arg.startsWith('-') || NUMBER.test(arg)) {
      problems.push(`${show(arg)} is a value without a flag before it`);
      continue;
    }
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq >= 0 ? arg.slice(0, eq) : arg;
    if (WORKER_FLAGS.includes(name)) {
      problems.push(`${name} is not allowed in extra args: the worker sets it itself`);
      // Its value would otherwise be reported again as a stray value.
      const next = args[i + 1];
      if (eq < 0 && !REVERSE_FLAGS.includes(name) && typeof next === 'string' && !next.startsWith('-')) i++;
      continue;
    }
    const spec = flags.find((f) => f.names.includes(name));
    if (spec === undefined) {
      problems.push(`${name} is not a ${category} flag (allowed: ${allowedFlags(category).join(' ')})`);
      continue;
    }
    if (!spec.value) {
      if (eq >= 0) problems.push(`${name} takes no value`);
      continue;
    }
    // A following flag is not swallowed as the value, so it gets checked (and reported) on its own.
    const value = eq >= 0 ? arg.slice(eq + 1) : args[i + 1];
    if (typeof value !== 'string' || value === '' || (value.startsWith('-') && !NUMBER.test(value))) {
      problems.push(`${name} needs a value`);
      continue;
    }
    if (eq < 0) i++;
    if (value.length > MAX_ARG_LENGTH || !SAFE_ARG.test(value)) {
      problems.push(`${show(value)} has characters outside ${SAFE_CHARS_TEXT} (or is too long)`);
      continue;
    }
    const outOfRange = checkTestArgValue(category, name, value);
    if (outOfRange !== null) problems.push(outOfRange);
  }
  return problems;
}

/** Long and short names of every flag `category` accepts, for messages and docs. */
export function allowedFlags(category: Category): string[] {
  return TEST_FLAGS[category].flatMap((f) => f.names);
}

function show(value: unknown): string {
  const text = String(value);
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}
