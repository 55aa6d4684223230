// The closed set of errors the pipeline raises on purpose; each sets `name` and keeps `cause`.

/** One bad configuration value: which variable, what it held, what was expected. */
export interface ConfigProblem {
  /** The variable's name; with `field`, a path into a file (`testpoints[2].hosts[0]`). */
  readonly variable: string;
  /** With `field`, already shown as the file wrote it (`"thruput"`, `300`); undefined: nothing to show. */
  readonly value: string | undefined;
  /** What is expected; with `field`, the whole sentence saying what is wrong. */
  readonly expected: string;
  /** A problem in a file (FLEET_FILE), shown as `path: what is wrong (got value)`. */
  readonly field?: true;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(
      `invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  ${formatProblem(p)}`).join('\n'),
    );
  }
}

export function formatProblem(p: ConfigProblem): string {
  if (p.field) return `${p.variable}: ${p.expected}${p.value === undefined ? '' : ` (got ${p.value})`}`;
  const shown = p.value === undefined ? '(unset)' : JSON.stringify(p.value);
  return `${p.variable}=${shown}: expected ${p.expected}`;
}

/** The measurement tool is not installed; retrying cannot help. */
export class ToolNotFoundError extends Error {
  override readonly name = 'ToolNotFoundError';
  constructor(readonly tool: string, options?: { cause?: unknown }) {
    super(
      `${tool} not found: install pScheduler (perfSONAR testpoint) or set PSCHEDULER_BIN to its path`,
      options,
    );
  }
}

/** A measurement ran but produced no usable result, or reported `succeeded: false`. */
export class MeasurementFailedError extends Error {
  override readonly name = 'MeasurementFailedError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A job whose data breaks the rules the configuration obeys; it is never run. */
export class JobRefusedError extends Error {
  override readonly name = 'JobRefusedError';
  constructor(readonly problems: readonly string[]) {
    super(`job refused: ${problems.join('; ')}`);
  }
}

/** The archiver answered in a way that retrying will not fix (400, 401, 403, 404, …). */
export class ArchiveRejectedError extends Error {
  override readonly name = 'ArchiveRejectedError';
  /** `responseBody`: the start of the archiver's answer, with secrets already redacted (redact-secrets.ts). */
  constructor(message: string, readonly status: number | null, readonly responseBody: string) {
    super(message);
  }
}

/** A delivery that may succeed later; `retryAfterMs` comes from the archiver's Retry-After. */
export class ArchiveRetryableError extends Error {
  override readonly name = 'ArchiveRetryableError';
  constructor(
    message: string,
    readonly status: number | null,
    readonly retryAfterMs: number | null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Turn any thrown value into an Error, keeping the original as `cause`. */
export function coerceError(value: unknown): Error {
  if (value instanceof Error) return value;
  return new Error(typeof value === 'string' ? value : JSON.stringify(value), { cause: value });
}
