// V8 doubles the young generation (up to 2 × 16 MB) whenever much of it survives a scavenge, which is
// what compiling a few hundred modules at start looks like: a long-running role then idles with
// ~30 MB of resident young generation it used once (measured: `psq start archive` 100 → 92 MB,
// a minimal BullMQ worker 74 → 68 MB). So the young generation keeps its initial size while a
// `psq start` loads (holdYoungGeneration, in main.ts before any command module), and lets it grow again
// once its roles run (releaseYoungGeneration), where the allocation of real work is what sizes it.
import { setFlagsFromString } from 'node:v8';

export function holdYoungGeneration(): void {
  setFlagsFromString('--semi-space-growth-factor=1');
}

/** V8's default growth factor (2, in Node 20 and 24). */
export function releaseYoungGeneration(): void {
  setFlagsFromString('--semi-space-growth-factor=2');
}
