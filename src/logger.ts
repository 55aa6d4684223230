// The root pino logger: JSON lines on stdout, secrets redacted wherever they could appear.
import { pino, type Logger } from 'pino';

export type { Logger };

const REDACT_PATHS = [
  'authToken',
  'token',
  'password',
  'authorization',
  'headers.authorization',
  'req.headers.authorization',
  'config.authToken',
  '*.authToken',
  '*.token',
  '*.password',
  '*.authorization',
];

export interface LoggerOptions {
  readonly level?: string;
  readonly pretty?: boolean;
  readonly base?: Record<string, unknown>;
  /** Where lines go; default stdout. Tests pass a stream to read them back. */
  readonly destination?: NodeJS.WritableStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const opts = {
    level: options.level ?? 'info',
    base: { service: 'psq', ...options.base },
    redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (options.pretty) {
    return pino({ ...opts, transport: { target: 'pino-pretty' } });
  }
  return options.destination ? pino(opts, options.destination as pino.DestinationStream) : pino(opts);
}
