// A real logger whose output a test reads back: each JSON line it writes lands in `lines`.
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/logger.js';

export function capturedLogger(lines: string[]): Logger {
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return createLogger({ level: 'debug', destination });
}
