// Every environment variable the code reads is listed in src/config/variables.ts, documented in
// env.template and the README table, and passed into the testpoint container's unit; and nothing is
// documented that the code does not read (the Compose-only variables are listed as such).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  COMPOSE_VARIABLES,
  CRON_RUNNER_VARIABLES,
  envTemplate,
  passEnvironmentLine,
  readmeTable,
} from '../../../scripts/env-docs.js';
import { readEnvFile } from '../../../src/cli/read-env-file.js';
import { loadConfig } from '../../../src/config/load-config.js';
import { VARIABLES } from '../../../src/config/variables.js';
import { CATEGORIES } from '../../../src/plan/categories.js';
import { plan } from '../../../src/plan/plan.js';
import { readRepoFile, referencedVariables, repoPath } from './compose-model.js';

/** Read from the environment but not configuration: the reason each is left out of env.template. */
const SYSTEM_VARIABLES: Record<string, string> = {
  PATH: 'where executables are looked up (select-backend)',
  container: 'set by container runtimes; one of the signs that DATA_DIR defaults to /data',
};

function sourceFiles(dir: string): string[] {
  return readdirSync(repoPath(dir)).flatMap((name) => {
    const rel = join(dir, name);
    if (statSync(repoPath(rel)).isDirectory()) return sourceFiles(rel);
    return /\.(ts|js|mjs)$/.test(name) ? [rel] : [];
  });
}

/** Names read in code: reader.raw/int/bool/field/first('X', …), readArgs(r, 'X', …), env['X'], processEnv['X'], process.env.X. */
export function variablesReadIn(code: string): { names: Set<string>; dynamic: string[] } {
  const names = new Set<string>();
  const dynamic: string[] = [];
  for (const m of code.matchAll(/\.(?:raw|int|bool|field)(?:<[^>()]*>)?\(\s*'([A-Za-z_][A-Za-z0-9_]*)'/g)) names.add(m[1]!);
  for (const m of code.matchAll(/\.first\(([^)]*)\)/g)) {
    for (const q of m[1]!.matchAll(/'([A-Za-z_][A-Za-z0-9_]*)'/g)) names.add(q[1]!);
  }
  for (const m of code.matchAll(/\breadArgs\(\s*\w+\s*,\s*'([A-Z0-9_]+)'/g)) names.add(m[1]!);
  for (const m of code.matchAll(/\b(?:env|processEnv)\[\s*'([A-Za-z_][A-Za-z0-9_]*)'\s*\]/g)) names.add(m[1]!);
  for (const m of code.matchAll(/\bprocess\.env\.([A-Za-z_][A-Za-z0-9_]*)/g)) names.add(m[1]!);
  // Names built at run time: a template literal handed to a reader.
  for (const m of code.matchAll(/(?:\.(?:raw|int|bool|field|first)(?:<[^>()]*>)?\(|\breadArgs\(\s*\w+\s*,)\s*(`[^`]*`)/g)) dynamic.push(m[1]!);
  return { names, dynamic };
}

function variablesReadByTheCode(): Set<string> {
  const found = new Set<string>();
  for (const file of [...sourceFiles('src'), ...sourceFiles('workers'), ...sourceFiles('bin')]) {
    const { names, dynamic } = variablesReadIn(readFileSync(repoPath(file), 'utf8'));
    for (const n of names) found.add(n);
    for (const d of dynamic) {
      // The one known pattern: per-category test arguments, `${c.toUpperCase()}_ARGS` over CATEGORIES.
      if (d !== '`${c.toUpperCase()}_ARGS`') throw new Error(`${file}: a variable name built at run time, ${d}: teach this test which names it makes`);
      for (const c of CATEGORIES) found.add(`${c.toUpperCase()}_ARGS`);
    }
  }
  return found;
}

const listed = VARIABLES.flatMap((v) => [v.name, ...v.aliases]);
const template = readRepoFile('env.template');
const readme = readRepoFile('README.md');

/** `NAME=…` or `#NAME=…` assignment lines of env.template. */
const templateNames = [...template.matchAll(/^#?([A-Za-z_][A-Za-z0-9_]*)=/gm)].map((m) => m[1]!);

describe('the variables psq reads', () => {
  it('the scan finds reads in every form the code uses', () => {
    const { names, dynamic } = variablesReadIn(
      "r.raw('A'); r.int('B', 1, 0, 2); r.bool('C', true); r.field<T>('D', s, 'x', d); r.first('E', 'F');" +
        " readArgs(r, 'G', c); env['H']; process.env['I']; process.env.J; opts.processEnv['K']; r.raw(`${c.toUpperCase()}_ARGS`)",
    );
    expect([...names].sort()).toEqual(['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K']);
    expect(dynamic).toEqual(['`${c.toUpperCase()}_ARGS`']);
  });

  it('are exactly those in src/config/variables.ts (names and aliases)', () => {
    const read = variablesReadByTheCode();
    for (const name of Object.keys(SYSTEM_VARIABLES)) {
      expect(read, `${name} is no longer read: drop it from SYSTEM_VARIABLES`).toContain(name);
      read.delete(name);
    }
    expect([...read].filter((n) => !listed.includes(n)), 'read by the code but missing from variables.ts').toEqual([]);
    expect(listed.filter((n) => !read.has(n)), 'in variables.ts but never read by the code').toEqual([]);
  });
});

describe('env.template', () => {
  it('is what scripts/env-docs.ts generates (run `npx tsx scripts/env-docs.ts --write`)', () => {
    expect(template).toBe(envTemplate());
  });

  it('has one line for every variable psq reads and every Compose-only one, nothing else', () => {
    const expected = [...VARIABLES, ...COMPOSE_VARIABLES].map((v) => v.name);
    expect([...templateNames].sort()).toEqual([...expected].sort());
    expect(new Set(templateNames).size).toBe(templateNames.length);
    for (const v of VARIABLES) for (const alias of v.aliases) expect(template, alias).toContain(`Also read as ${alias}`);
  });

  it("starts with the cron runner's variables, and lists the Compose-only ones under their own heading", () => {
    expect(templateNames.slice(0, CRON_RUNNER_VARIABLES.length)).toEqual([...CRON_RUNNER_VARIABLES]);
    const composeHeading = template.indexOf('# ── Docker Compose only');
    expect(composeHeading).toBeGreaterThan(0);
    for (const v of COMPOSE_VARIABLES) expect(template.indexOf(`\n#${v.name}=`), v.name).toBeGreaterThan(composeHeading);
    for (const v of VARIABLES) expect(template.search(new RegExp(`^#?${v.name}=`, 'm')), v.name).toBeLessThan(composeHeading);
  });

  it('gives each variable one line of meaning with its default, and marks secrets', () => {
    for (const v of [...VARIABLES, ...COMPOSE_VARIABLES]) {
      const line = new RegExp(`^# ${v.name}( \\(SECRET\\))?: .*(Default: .*|Required\\.)$`, 'm').exec(template);
      expect(line, v.name).not.toBeNull();
      expect(line![1] !== undefined, `${v.name} secret marking`).toBe(v.secret);
      if (v.default !== null) expect(line![0], v.name).toContain(`Default: ${v.default}.`);
    }
    expect(template).toMatch(/^# AUTH_TOKEN \(SECRET\):/m);
    expect(template).toMatch(/^# REDIS_PASSWORD \(SECRET\):/m);
  });

  it('used as .env with HOSTS filled in gives a valid configuration, and its written-out defaults are the real ones', () => {
    const context = { hostname: 'tp1', inContainer: false };
    const asIs = readEnvFile(repoPath('env.template'));
    const base = loadConfig({ ...asIs, HOSTS: '192.0.2.10@site-a' }, context);
    // Uncomment every "#NAME=default" line: psq must behave exactly as with them commented out.
    const uncommented = Object.fromEntries(
      VARIABLES.filter((v) => v.default !== null).map((v) => [v.name, v.default!]),
    );
    const explicit = loadConfig({ ...asIs, ...uncommented, HOSTS: '192.0.2.10@site-a' }, context);
    expect(plan(explicit)).toEqual(plan(base));
    const { categoryArgs: _a, iperf3Args: _b, ...restExplicit } = explicit;
    const { categoryArgs: _c, iperf3Args: _d, ...restBase } = base;
    expect(restExplicit).toEqual(restBase);
  });
});

describe('the README table', () => {
  it('lists every variable psq reads, aliases included', () => {
    const table = /<!-- env-table:start[^>]*-->\n([\s\S]*?)\n<!-- env-table:end -->/.exec(readme)![1]!;
    expect(table).toBe(readmeTable());
    for (const name of listed) expect(table, name).toContain(`\`${name}`);
  });
});

describe('the testpoint container unit', () => {
  it('passes every variable psq reads (and PSQ_ROLES) from the container environment', () => {
    const unit = readRepoFile('deploy/systemd/psq-testpoint.service');
    const lines = unit.split('\n').filter((l) => l.startsWith('PassEnvironment='));
    expect(lines).toEqual([passEnvironmentLine()]);
    const passed = lines[0]!.slice('PassEnvironment='.length).split(' ');
    expect([...passed].sort()).toEqual([...listed, 'PSQ_ROLES'].sort());
    for (const name of CRON_RUNNER_VARIABLES) expect(passed).toContain(name);
  });
});

describe('Compose-only variables', () => {
  it('are each used by a compose file or the testpoint unit, and none shadows a psq variable', () => {
    const used = new Set(
      ['docker-compose-redis.yml', 'docker-compose-redis-public.yml', 'docker-compose-testpoint.yml', 'docker-compose-tool.yml'].flatMap((f) => [
        ...referencedVariables(readRepoFile(f)),
      ]),
    );
    const unit = readRepoFile('deploy/systemd/psq-testpoint.service');
    for (const v of COMPOSE_VARIABLES) {
      expect(used.has(v.name) || unit.includes(`$${v.name}`), v.name).toBe(true);
      expect(listed, v.name).not.toContain(v.name);
    }
  });
});
