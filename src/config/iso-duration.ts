// ISO 8601 durations exactly as pScheduler writes them (Python isodate), and a lenient reader for test args.

const SECONDS_PER = { D: 86_400, H: 3_600, M: 60 } as const;

/**
 * Seconds → `PT0.000704S`, `PT1M30.5S`, `PT2H`, `P1D`, zero → `P0D`.
 * Python's timedelta keeps microseconds, so we round to them first; isodate then writes
 * D/H/M/S (never weeks, months or years) and drops trailing zeros of the fraction.
 */
export function formatIsoDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) throw new RangeError(`not a finite duration: ${seconds}`);
  const negative = seconds < 0;
  let micros = Math.round(Math.abs(seconds) * 1_000_000);
  const days = Math.floor(micros / (SECONDS_PER.D * 1_000_000));
  micros -= days * SECONDS_PER.D * 1_000_000;
  const hours = Math.floor(micros / (SECONDS_PER.H * 1_000_000));
  micros -= hours * SECONDS_PER.H * 1_000_000;
  const minutes = Math.floor(micros / (SECONDS_PER.M * 1_000_000));
  micros -= minutes * SECONDS_PER.M * 1_000_000;
  const wholeSeconds = Math.floor(micros / 1_000_000);
  const fraction = micros - wholeSeconds * 1_000_000;

  let out = 'P';
  if (days > 0) out += `${days}D`;
  if (hours > 0 || minutes > 0 || micros > 0) {
    out += 'T';
    if (hours > 0) out += `${hours}H`;
    if (minutes > 0) out += `${minutes}M`;
    if (micros > 0) {
      const frac = fraction > 0 ? `.${String(fraction).padStart(6, '0').replace(/0+$/, '')}` : '';
      out += `${wholeSeconds}${frac}S`;
    }
  }
  if (out === 'P') out = 'P0D';
  return negative && out !== 'P0D' ? `-${out}` : out;
}

/** Milliseconds as tools print them (`0.704`) → ISO, without the float detour `0.704/1000` takes. */
export function formatIsoDurationFromMs(ms: number): string {
  return formatIsoDuration(Math.round(ms * 1000) / 1_000_000);
}

const NUM = String.raw`(\d+(?:\.\d+)?)`;
const ISO = new RegExp(`^(-)?P(?:${NUM}W)?(?:${NUM}D)?(?:T(?:${NUM}H)?(?:${NUM}M)?(?:${NUM}S)?)?$`, 'i');
const BARE_SECONDS = /^\d+(?:\.\d+)?$/;

/**
 * `PT1M`, `P1DT2H`, `PT0.5S` or bare seconds (`60`, `0.5`) → seconds; anything else → undefined.
 * pScheduler accepts bare seconds for some flags (throughput -t) and ISO for others (rtt -i);
 * reading both everywhere costs nothing. Years and months have no fixed length, so they are refused.
 */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (BARE_SECONDS.test(trimmed)) return Number(trimmed);
  const m = ISO.exec(trimmed);
  if (m === null) return undefined;
  const [, sign, w, d, h, min, s] = m;
  // "P" or "PT" alone carries no component and is not a duration.
  if ([w, d, h, min, s].every((part) => part === undefined)) return undefined;
  const total =
    num(w) * 7 * SECONDS_PER.D + num(d) * SECONDS_PER.D + num(h) * SECONDS_PER.H + num(min) * SECONDS_PER.M + num(s);
  return sign ? -total : total;
}

function num(part: string | undefined): number {
  return part === undefined ? 0 : Number(part);
}
