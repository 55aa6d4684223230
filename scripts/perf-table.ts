// The figures table of docs/PERFORMANCE.md, generated from bench/results.json (the last
// `npm run bench`), so the document shows what was measured and nothing typed by hand.
//   npx tsx scripts/perf-table.ts           prints the table
//   npx tsx scripts/perf-table.ts --write   refreshes docs/PERFORMANCE.md between its markers
import { readFileSync, writeFileSync } from 'node:fs';
import type { Figure } from '../bench/report.js';

const RESULTS = new URL('../bench/results.json', import.meta.url);
const DOC = new URL('../docs/PERFORMANCE.md', import.meta.url);
const BLOCK = /(<!-- results:start[^>]*-->\n)([\s\S]*?)(<!-- results:end -->)/;

const cell = (s: string) => s.replace(/\|/g, '\\|');
const num = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 10 ? x.toFixed(1) : Number(x.toPrecision(3)).toString());

export function perfTable(figures: readonly Figure[]): string {
  const rows = figures.map((f) => {
    const ceiling = f.baseline ? `${num(f.baseline.value)} ${f.unit} (${cell(f.baseline.name)})` : '';
    const ratio = f.ratio !== undefined ? `${num(f.ratio)}` : '';
    const met = f.met === null ? '' : f.met ? 'met' : '**missed**';
    return `| ${f.scenario} | ${cell(f.figure)} | ${num(f.value)} ${f.unit} | ${ceiling} | ${ratio} | ${cell(f.target ?? '')} | ${met} |`;
  });
  return ['| scenario | figure | value | ceiling (same run) | ratio | target | |', '|---|---|---|---|---|---|---|', ...rows].join('\n');
}

const figures = JSON.parse(readFileSync(RESULTS, 'utf8')) as Figure[];
const table = perfTable(figures);
if (process.argv.includes('--write')) {
  const doc = readFileSync(DOC, 'utf8');
  if (!BLOCK.test(doc)) throw new Error('docs/PERFORMANCE.md has no <!-- results:start --> … <!-- results:end --> block');
  writeFileSync(DOC, doc.replace(BLOCK, (_m, a: string, _b: string, c: string) => `${a}${table}\n${c}`));
} else {
  process.stdout.write(`${table}\n`);
}
