// The root pino logger: JSON lines (or readable lines) on stdout, secrets redacted wherever they could appear.
import { pino, type Logger } from 'pino';
import { formatLogLine } from './log-line.js';

export type { Logger };

const REDACT_PATHS = [
  'authToken',
  'token',
  'password',
  'authorization',
  'headers.authorization',
  'req.headers.authorization',
  'config.authToken',
  // Config.processEnv: the whole environment psq started with, secrets included.
  'processEnv',
  '*.processEnv',
  '*.authToken',
  '*.token',
  '*.password',
  '*.authorization',
];

/** Where log lines go: a stream, or anything with write() (the terminal's status line). */
export interface LineSink {
  write(text: string): unknown;
}

export interface LoggerOptions {
  readonly level?: string;
  /** Readable lines instead of JSON, formatted here (log-line.ts): no pino-pretty needed at run time. */
  readonly pretty?: boolean;
  readonly base?: Record<string, unknown>;
  /** Where lines go; default stdout. Tests pass a stream to read them back. */
  readonly destination?: LineSink;
}

/** pino writes one JSON record per write(); each becomes one readable line on `sink`. */
export function prettyDestination(sink: LineSink): LineSink {
  return {
    write(chunk: string) {
      for (const line of chunk.split('\n')) if (line !== '') sink.write(`${formatLogLine(line)}\n`);
      return true;
    },
  };
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const opts = {
    level: options.level ?? 'info',
    base: { service: 'psq', ...options.base },
    redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (options.pretty) return pino(opts, prettyDestination(options.destination ?? process.stdout) as pino.DestinationStream);
  // pino's own destination writes to fd 1 synchronously, so nothing is lost when psq exits.
  return options.destination ? pino(opts, options.destination as pino.DestinationStream) : pino(opts);
}

/** LOG_FORMAT=auto: readable lines for a person at a terminal, JSON lines for everything else. Pure. */
export function resolveLogFormat(format: 'auto' | 'json' | 'pretty', toTerminal: boolean): 'json' | 'pretty' {
  return format === 'auto' ? (toTerminal ? 'pretty' : 'json') : format;
}
