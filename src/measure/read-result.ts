// Decide what a pScheduler output file holds. pScheduler exits 0 even when nothing ran, so the
// file is the only truth: missing, empty or `null` is "no result". Pure.

export type ResultContent =
  | { readonly kind: 'result'; readonly raw: Record<string, unknown>; readonly succeeded: boolean; readonly error: string | null }
  | { readonly kind: 'no-result'; readonly reason: string };

export function interpretResult(text: string | null): ResultContent {
  if (text === null) return { kind: 'no-result', reason: 'no output file was written' };
  const trimmed = text.trim();
  if (trimmed === '') return { kind: 'no-result', reason: 'the output file is empty' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    return { kind: 'no-result', reason: `the output file is not JSON: ${JSON.stringify(trimmed.slice(0, 120))}` };
  }
  if (parsed === null) return { kind: 'no-result', reason: 'the output file holds null' };
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    return { kind: 'no-result', reason: 'the output file holds JSON that is not an object' };
  }
  const raw = parsed as Record<string, unknown>;
  const succeeded = raw['succeeded'] === true;
  const error = typeof raw['error'] === 'string' ? raw['error'] : null;
  return { kind: 'result', raw, succeeded, error };
}
