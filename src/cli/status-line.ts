// A live status line at the bottom of a terminal: log lines scroll above it, the status is redrawn
// under them. The I/O edge of the progress display; what the line says comes from round-progress.ts.

const CLEAR_LINE = '\r\x1b[2K';

export interface TerminalStream {
  write(text: string): unknown;
  readonly columns?: number;
}

export class StatusLine {
  private status = '';

  constructor(private readonly stream: TerminalStream) {}

  /** A whole line (a log line) above the status. */
  write(text: string): boolean {
    this.stream.write(`${this.status ? CLEAR_LINE : ''}${text}${this.status ? this.fitted() : ''}`);
    return true;
  }

  /** Replace the status line. */
  set(text: string): void {
    this.status = text;
    this.stream.write(`${CLEAR_LINE}${this.fitted()}`);
  }

  /** Remove the status line, leaving the cursor at the start of an empty line. */
  clear(): void {
    if (this.status === '') return;
    this.status = '';
    this.stream.write(CLEAR_LINE);
  }

  /** Cut to the terminal's width, so the line never wraps (a wrapped line cannot be cleared with \r). */
  private fitted(): string {
    const width = this.stream.columns ?? 0;
    return width > 1 && this.status.length >= width ? `${this.status.slice(0, width - 2)}…` : this.status;
  }
}
