// The layering rules (.dependency-cruiser.cjs) and the lint rules (biome.jsonc) can fail: each is
// run, with the project's own configuration, on a small tree that breaks it, and must name the
// rule and the file. A clean counterpart of each case must not be reported.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = join(REPO, 'node_modules', '.bin');

/** The fixture tree: file → content. Each import is one the rules must (or must not) report. */
const FILES: Record<string, string> = {
  // no-import-cycle
  'src/cycle-a.ts': "import { b } from './cycle-b.js';\nexport const a = () => b;\n",
  'src/cycle-b.ts': "import { a } from './cycle-a.js';\nexport const b = () => a;\n",
  // pure-module-does-io: by directory (src/config) and by header ("Pure.")
  'src/config/reads-disk.ts': "import { readFileSync } from 'node:fs';\nexport const read = () => readFileSync('x');\n",
  'src/keep/says-pure.ts': "// Turns a thing into another. Pure.\nimport { Queue } from 'bullmq';\nexport const q = Queue;\n",
  'src/keep/does-io.ts': "// Writes a thing to disk.\nimport { writeFileSync } from 'node:fs';\nexport const w = writeFileSync;\n",
  'src/plan/pure-enough.ts': "import { isIP } from '../ip-address.js';\nexport const ip = isIP;\n",
  // ip-address-imports-beyond-net
  'src/ip-address.ts': "import { readFileSync } from 'node:fs';\nexport { isIP } from 'node:net';\nexport const r = readFileSync;\n",
  // measure-imports-archive / archive-imports-measure
  'src/measure/uses-archive.ts': "import { x } from '../archive/thing.js';\nexport const m = x;\n",
  'src/archive/thing.ts': 'export const x = 1;\n',
  'src/archive/uses-measure.ts': "import { y } from '../measure/other.js';\nexport const a = y;\n",
  'src/measure/other.ts': 'export const y = 2;\n',
  // core-imports-cli; a command may import anything
  'src/roles/uses-cli.ts': "import { c } from '../cli/args.js';\nexport const r = c;\n",
  'src/cli/args.ts': 'export const c = 3;\n',
  'src/cli/commands/anything.ts': "import { r } from '../../roles/uses-cli.js';\nimport { readFileSync } from 'node:fs';\nexport const any = [r, readFileSync];\n",
  // src-imports-workers-or-tests
  'src/uses-worker.ts': "import { w } from '../workers/entry.js';\nexport const u = w;\n",
  'src/uses-test.ts': "import { h } from '../test/helper.js';\nexport const u = h;\n",
  'workers/entry.ts': 'export const w = 4;\n',
  'test/helper.ts': 'export const h = 5;\n',
  // biome noProcessEnv: only the configuration loader reads the environment
  'src/roles/reads-env.ts': "export const home = process.env['HOME'];\n",
  'src/cli/checked-config.ts': "export const env = process.env;\n",
  'tsconfig.json': JSON.stringify({ compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', strict: true } }),
};

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'psq-rules-'));
  for (const [file, text] of Object.entries(FILES)) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  // The project's own configurations, unchanged; bullmq resolves through the project's node_modules.
  writeFileSync(join(dir, 'biome.jsonc'), readFileSync(join(REPO, 'biome.jsonc')));
  symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('dependency rules (.dependency-cruiser.cjs)', () => {
  it('report each broken rule with its name and the importing file, fail the run, and pass what is allowed', async () => {
    // The reporter `npm run lint` uses: its exit status is what fails the build.
    const run = await execa(join(BIN, 'depcruise'), ['src', 'workers', '--config', join(REPO, '.dependency-cruiser.cjs')], { cwd: dir, reject: false });
    expect(run.exitCode, run.stdout + run.stderr).not.toBe(0);
    // "error RULE: FROM → TO" (a cycle goes on over the next lines, and is reported from one of its modules).
    const violations = [...run.stdout.matchAll(/^\s*error (\S+): (\S+) → ?(\S*)$/gm)].map(([, rule = '', from = '', to = '']) => ({ rule, from, to }));
    const named = violations.map((v) => `${v.rule} ${v.rule === 'no-import-cycle' ? v.from.replace(/cycle-[ab]/, 'cycle-*') : v.from}`);
    expect(named.sort()).toEqual(
      [
        'no-import-cycle src/cycle-*.ts',
        'pure-module-does-io src/config/reads-disk.ts',
        'pure-module-does-io src/keep/says-pure.ts',
        'ip-address-imports-beyond-net src/ip-address.ts',
        'measure-imports-archive src/measure/uses-archive.ts',
        'archive-imports-measure src/archive/uses-measure.ts',
        'core-imports-cli src/roles/uses-cli.ts',
        'src-imports-workers-or-tests src/uses-worker.ts',
        'src-imports-workers-or-tests src/uses-test.ts',
      ].sort(),
    );
    // The bullmq import was resolved (a typo in the package pattern would let it through).
    expect(violations.find((v) => v.from === 'src/keep/says-pure.ts')?.to).toMatch(/node_modules\/bullmq\//);
  });
});

describe('lint rules (biome.jsonc)', () => {
  it('report process.env outside the configuration loader, and only there', async () => {
    const run = await execa(join(BIN, 'biome'), ['lint', 'src', '--reporter=json'], { cwd: dir, reject: false });
    expect(run.exitCode, run.stderr).not.toBe(0);
    const report = JSON.parse(run.stdout) as { diagnostics: { category: string; location: { path: string } }[] };
    const envReads = report.diagnostics.filter((d) => d.category === 'lint/style/noProcessEnv').map((d) => d.location.path);
    expect(envReads).toEqual([expect.stringMatching(/src\/roles\/reads-env\.ts$/)]);
  });
});
