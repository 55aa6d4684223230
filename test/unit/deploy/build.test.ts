// The production build: `npm run build` compiles src/ and workers/ to dist/; bin/psq.js runs dist/;
// tsx and the compiler are development tools only; `npm ci` builds (prepare) and `npm test` builds
// first, so a spawned psq always runs the current code.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRepoFile, repoPath } from './compose-model.js';

const pkg = JSON.parse(readRepoFile('package.json')) as {
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  bin: Record<string, string>;
};
const buildConfig = JSON.parse(readRepoFile('tsconfig.build.json')) as { extends: string; compilerOptions: Record<string, unknown>; include: string[] };

function tsFiles(dir: string): string[] {
  return readdirSync(repoPath(dir), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? tsFiles(`${dir}/${e.name}`) : e.name.endsWith('.ts') ? [`${dir}/${e.name}`] : []));
}

describe('the build', () => {
  it('npm run build compiles src/ and workers/ (not tests or benchmarks) to dist/ with source maps', () => {
    expect(pkg.scripts['build']).toBe('tsc -p tsconfig.build.json');
    expect(buildConfig.extends).toBe('./tsconfig.json');
    expect(buildConfig.compilerOptions).toMatchObject({ noEmit: false, outDir: 'dist', rootDir: '.', sourceMap: true });
    expect(buildConfig.include.sort()).toEqual(['src', 'workers']);
    // tsconfig.json itself type-checks everything and emits nothing.
    const typecheck = JSON.parse(readRepoFile('tsconfig.json')) as { compilerOptions: Record<string, unknown>; include: string[] };
    expect(typecheck.compilerOptions['noEmit']).toBe(true);
    expect(typecheck.include).toEqual(expect.arrayContaining(['src', 'workers', 'test', 'bench']));
  });

  it('npm ci builds (prepare), and npm test builds before it type-checks, lints and runs the tests', () => {
    expect(pkg.scripts['prepare']).toBe('npm run build');
    expect(pkg.scripts['test']).toMatch(/^npm run build && tsc --noEmit && npm run lint && vitest run$/);
  });

  it('bin/psq.js runs the compiled dist/, with no TypeScript loader', () => {
    expect(pkg.bin['psq']).toBe('bin/psq.js');
    const code = readRepoFile('bin/psq.js')
      .split('\n')
      .filter((l) => !/^\s*(\/\/|#!)/.test(l))
      .join('\n');
    // A dynamic import, so the compile cache (Node ≥ 22.1) is on before dist/ is loaded.
    expect(code).toContain("await import('../dist/src/cli/run-main.js')");
    expect(code.indexOf('enableCompileCache')).toBeLessThan(code.indexOf('run-main.js'));
    expect(code).not.toMatch(/tsx|\.ts'/);
  });

  it('tsx and the compiler are development dependencies; nothing that ships imports them', () => {
    for (const dev of ['tsx', 'typescript']) {
      expect(pkg.devDependencies[dev], dev).toMatch(/^\d+\.\d+\.\d+$/);
      expect(pkg.dependencies[dev], dev).toBeUndefined();
    }
    const lock = JSON.parse(readRepoFile('package-lock.json')) as { packages: Record<string, { dev?: boolean; devOptional?: boolean; dependencies?: Record<string, string>; devDependencies?: Record<string, string> }> };
    expect(lock.packages['']!.dependencies?.['tsx']).toBeUndefined();
    expect(lock.packages['node_modules/tsx']!.dev).toBe(true);
    for (const file of [...tsFiles('src'), ...tsFiles('workers')]) {
      expect(readFileSync(repoPath(file), 'utf8'), file).not.toMatch(/from ['"](tsx|typescript)(\/[^'"]*)?['"]|import\(['"](tsx|typescript)/);
    }
  });

  it('workers/ holds one entry point per role, each `psq start ROLE`', () => {
    const roles = ['archive', 'dashboard', 'measure', 'responder', 'scheduler'];
    expect(readdirSync(repoPath('workers')).sort()).toEqual(roles.map((r) => `${r}.ts`));
    for (const role of roles) expect(readRepoFile(join('workers', `${role}.ts`))).toContain(`runMain(['start', '${role}', ...process.argv.slice(2)])`);
  });

  it('dist/ is built, not committed', () => {
    expect(readRepoFile('.gitignore').split('\n')).toContain('dist/');
  });
});
