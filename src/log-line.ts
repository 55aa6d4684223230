// One pino JSON log record → one readable line, for people at a terminal (LOG_FORMAT=pretty). Pure.
// Built in, so a production install (no dev dependencies, no pino-pretty) can show readable logs.

const LEVELS: Readonly<Record<number, string>> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
/** Fields every line carries or that the line's layout already shows. */
const HIDDEN = new Set(['level', 'time', 'msg', 'service', 'testpoint', 'pid', 'hostname']);

function value(v: unknown): string {
  if (typeof v === 'string') return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
  if (v !== null && typeof v === 'object') {
    const err = v as { type?: unknown; message?: unknown };
    if (typeof err.message === 'string') return JSON.stringify(`${typeof err.type === 'string' ? `${err.type}: ` : ''}${err.message}`);
    return JSON.stringify(v);
  }
  return String(v);
}

/** `17:02:09 WARN  message  key=value key="two words"`; a line that is not a log record is returned as is. */
export function formatLogLine(line: string): string {
  let record: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(line);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return line;
    record = parsed as Record<string, unknown>;
  } catch {
    return line;
  }
  const time = typeof record['time'] === 'string' ? (/T(\d\d:\d\d:\d\d)/.exec(record['time'])?.[1] ?? record['time']) : '';
  const level = (LEVELS[Number(record['level'])] ?? String(record['level'] ?? '')).padEnd(5);
  const msg = typeof record['msg'] === 'string' ? record['msg'] : '';
  const fields = Object.entries(record)
    .filter(([k, v]) => !HIDDEN.has(k) && v !== undefined)
    .map(([k, v]) => `${k}=${value(v)}`);
  const head = [time, level, msg].filter((p) => p !== '').join(' ');
  const text = fields.length > 0 ? `${head}  ${fields.join(' ')}` : head;
  // A log line stays one line on the terminal.
  return text.replace(/[\r\n]+/g, ' ');
}
