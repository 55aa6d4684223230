// The three Python float behaviours halfping's histogram keys depend on: `//`, round(x, n) and repr.
//
// halfping computes `str(round((latency // width) * width, 2))`. Float floor division, exact-decimal
// rounding and Python's repr ("2.0", not "2") all differ from the obvious JS, so we imitate CPython.

/** CPython's float `a // b` (float_divmod): fmod first, so `1.0 // 0.01` is 99.0, not 100. */
export function pyFloorDiv(a: number, b: number): number {
  if (b === 0) throw new RangeError('float floor division by zero');
  let mod = a % b; // JS % on numbers is C fmod, as CPython uses
  let div = (a - mod) / b;
  if (mod !== 0 && b < 0 !== mod < 0) {
    mod += b;
    div -= 1;
  }
  if (div === 0) return a / b < 0 ? -0 : 0;
  let floordiv = Math.floor(div);
  if (div - floordiv > 0.5) floordiv += 1;
  return floordiv;
}

/**
 * CPython's round(x, ndigits): the decimal nearest to the double's exact value, ties to even.
 * toFixed already rounds the exact value; only a genuine tie (exact expansion ending in 5 right
 * after the kept digits) goes the other way in Python, and toFixed shows us the exact expansion.
 */
export function pyRound(x: number, ndigits: number): number {
  if (!Number.isFinite(x)) return x;
  const exact = Math.abs(x).toFixed(60).replace(/0+$/, '');
  const decimals = exact.split('.')[1] ?? '';
  const rounded = Number(x.toFixed(ndigits));
  if (decimals.length !== ndigits + 1 || !decimals.endsWith('5')) return rounded;
  // A tie: toFixed went away from zero; Python keeps the even last digit.
  const step = 10 ** -ndigits;
  const down = Number((Math.sign(x) * (Math.abs(x) - step / 2)).toFixed(ndigits));
  const lastDigit = (v: number) => Number(Math.abs(v).toFixed(ndigits).slice(-1));
  return lastDigit(down) % 2 === 0 ? down : rounded;
}

/** CPython's repr(float): shortest round-trip digits, `.0` on integers, exponent below 1e-4 and from 1e16. */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const abs = Math.abs(x);
  if (abs < 1e-4 || abs >= 1e16) {
    // JS gives "1e-5" / "1.5e+20"; Python writes at least two exponent digits: "1e-05", "1.5e+20".
    return x.toExponential().replace(/e([+-])(\d)$/, 'e$10$2');
  }
  const text = String(x);
  return Number.isInteger(x) ? `${text}.0` : text;
}
