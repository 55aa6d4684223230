// The layering rules of src/ and workers/, checked by `npm run lint` (depcruise). Each rule's name
// says what is wrong when it is reported; test/unit/rules/ proves each one fails on a violation.
const { readdirSync, readFileSync } = require('node:fs');
const { join } = require('node:path');

/** A module header (the comment lines before the code) that says the module is pure: "Pure.", "; pure.", "Pure: …". */
const PURE_MARK = /(^|[.;:]\s+|\/\/\s*)pure\b/im;

/** Every src/ module whose header says it is pure, as depcruise path patterns (read from the tree being checked). */
function pureModules(dir = 'src') {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((e) => {
    const file = join(dir, e.name);
    if (e.isDirectory()) return pureModules(file);
    if (!/\.ts$/.test(e.name)) return [];
    const header = [];
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (!line.startsWith('//')) break;
      header.push(line);
    }
    return PURE_MARK.test(header.join('\n')) ? [`^${file.replace(/[.]/g, '\\.')}$`] : [];
  });
}

/** What a pure module must not reach: queues, Redis, processes, HTTP servers and clients, the disk, the network. */
const IO_MODULES = [
  '(^|/)node_modules/(bullmq|ioredis|execa|undici|express|@bull-board/[^/]+)/',
  '^(node:)?(fs|fs/promises|child_process|net|http|https)$',
];

module.exports = {
  forbidden: [
    {
      name: 'no-import-cycle',
      comment: 'src/ and workers/ import each other in a cycle: split the shared part into a module both import.',
      severity: 'error',
      from: { path: '^(src|workers)/' },
      to: { circular: true },
    },
    {
      name: 'pure-module-does-io',
      comment:
        'src/config, src/plan, src/jobs and every module whose header says "Pure." must not import bullmq, ioredis, execa, undici, ' +
        'express, @bull-board/*, fs, child_process, net or http(s): do the I/O in the caller and pass the data in.',
      severity: 'error',
      from: { path: ['^src/(config|plan|jobs)/', ...pureModules()] },
      to: { path: IO_MODULES },
    },
    {
      name: 'ip-address-imports-beyond-net',
      comment: 'src/ip-address.ts is where pure modules get node:net\'s isIP; it must import nothing else.',
      severity: 'error',
      from: { path: '^src/ip-address\\.ts$' },
      to: { pathNot: '^(node:)?net$' },
    },
    {
      name: 'measure-imports-archive',
      comment: 'src/measure must not import src/archive: the stages meet only through the job contracts in src/jobs.',
      severity: 'error',
      from: { path: '^src/measure/' },
      to: { path: '^src/archive/' },
    },
    {
      name: 'archive-imports-measure',
      comment: 'src/archive must not import src/measure: the stages meet only through the job contracts in src/jobs.',
      severity: 'error',
      from: { path: '^src/archive/' },
      to: { path: '^src/measure/' },
    },
    {
      name: 'core-imports-cli',
      comment: 'Only src/cli (parsing and printing) may import src/cli: move what the module needs out of src/cli.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/cli/' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'src-imports-workers-or-tests',
      comment: 'src/ must not import workers/ (entry points) or test/: they import src/, not the other way round.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(workers|test)/' },
    },
  ],
  options: {
    // TypeScript 7 has no compiler API for depcruise to parse with; swc parses the .ts files. It
    // reports `import type` too: a pure module does not name bullmq's or ioredis's types either.
    parser: 'swc',
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
  },
};
