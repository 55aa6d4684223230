// Prints (or, with --write, refreshes in README.md) the configuration table from src/config/variables.ts.
import { readFileSync, writeFileSync } from 'node:fs';
import { VARIABLES } from '../src/config/variables.js';

const cell = (s: string) => s.replace(/\|/g, '\\|');

export function readmeTable(): string {
  const rows = VARIABLES.map((v) => {
    const name = [v.name, ...v.aliases.map((a) => `${a} (alias)`)].map((n) => `\`${n}\``).join('<br>');
    const def = v.required ? 'required' : v.default === null ? '—' : `\`${cell(v.default)}\``;
    return `| ${name} | ${def} | ${cell(v.description)}${v.secret ? ' **Secret.**' : ''} |`;
  });
  return ['| variable | default | meaning |', '|---|---|---|', ...rows].join('\n');
}

export const TABLE_BLOCK = /(<!-- env-table:start[^>]*-->\n)([\s\S]*?)(\n<!-- env-table:end -->)/;

if (process.argv[1]?.endsWith('env-docs.ts')) {
  if (process.argv.includes('--write')) {
    const readme = readFileSync('README.md', 'utf8');
    writeFileSync('README.md', readme.replace(TABLE_BLOCK, (_m, a: string, _b: string, c: string) => `${a}${readmeTable()}${c}`));
  } else {
    process.stdout.write(`${readmeTable()}\n`);
  }
}
