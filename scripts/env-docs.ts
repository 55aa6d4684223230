// Generated configuration docs, all from src/config/variables.ts (plus the Compose-only variables below):
// the README's configuration table, env.template, and the PassEnvironment= line of the testpoint
// container's systemd unit.
//   npx tsx scripts/env-docs.ts                   prints the README table
//   npx tsx scripts/env-docs.ts --env-template    prints env.template
//   npx tsx scripts/env-docs.ts --write           refreshes README.md, env.template and deploy/systemd/psq-testpoint.service
import { readFileSync, writeFileSync } from 'node:fs';
import { VARIABLES, type EnvVariable } from '../src/config/variables.js';

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

/** The cron runner's docker/.env variables, in the order its env.template lists them. */
export const CRON_RUNNER_VARIABLES = ['HOSTS', 'AUTH_TOKEN', 'ARCHIVE_URLS', 'TZ', 'CRON_EXPRESSION'] as const;

/**
 * Variables that only the Compose files (and the testpoint container's unit) read: psq itself never
 * does. Each is used in docker-compose-*.yml or deploy/systemd/psq-testpoint.service (a test checks).
 */
export const COMPOSE_VARIABLES: readonly EnvVariable[] = [
  {
    name: 'REDIS_PASSWORD',
    default: null,
    secret: true,
    description:
      'Password the stack\'s Redis requires (redis-server --requirepass); empty: none. Required with ' +
      'docker-compose-redis-public.yml. Letters and digits only (it goes into redis:// URLs), e.g. `openssl rand -hex 24`.',
  },
  {
    name: 'REDIS_PUBLISH_PORT',
    default: '6379',
    description: "Port on this host's 127.0.0.1 where the stack publishes Redis (a testpoint on the same host, psq commands run here).",
  },
  {
    name: 'REDIS_PUBLIC_ADDR',
    default: null,
    description:
      'With docker-compose-redis-public.yml (required then): the address of this host that remote testpoints connect to ' +
      '(a specific address, not 0.0.0.0: 127.0.0.1 already holds the port).',
  },
  { name: 'REDIS_PUBLIC_PORT', default: '6379', description: 'With docker-compose-redis-public.yml: the port published on REDIS_PUBLIC_ADDR.' },
  {
    name: 'DASHBOARD_PUBLISH_ADDR',
    default: '127.0.0.1',
    description: 'Host address the dashboard is published on. Set 0.0.0.0 (or another address) only together with DASHBOARD_USER and DASHBOARD_PASSWORD.',
  },
  { name: 'DASHBOARD_PUBLISH_PORT', default: '3000', description: 'Host port the dashboard is published on.' },
  {
    name: 'PSQ_ROLES',
    default: 'measure',
    description:
      'Roles the testpoint container runs (psq start $PSQ_ROLES). Add responder only where pScheduler does not answer ' +
      'throughput tests on IPERF3_PORT (its iperf3 server uses 5201), e.g. with BACKEND=direct and another IPERF3_PORT.',
  },
].map((v) => ({ aliases: [], required: false, secret: false, group: 'compose', ...v }));

const GROUP_TITLES: Record<string, string> = {
  destinations: 'Destinations',
  schedule: 'Schedule',
  archive: 'Delivery to the archivers',
  queue: 'Queues (Redis)',
  tests: 'What is measured',
  measure: 'Measuring',
  identity: 'Identity sent to the archivers',
  dashboard: 'Dashboard',
  logging: 'Logging',
};

function describe(v: EnvVariable): string {
  const def = v.required ? 'Required.' : `Default: ${v.default ?? 'none'}.`;
  const alias = v.aliases.length > 0 ? ` Also read as ${v.aliases.join(', ')}.` : '';
  return `# ${v.name}${v.secret ? ' (SECRET)' : ''}: ${v.description}${alias} ${def}`;
}

/** `NAME=` to fill in (required, or the cron runner's values without a default), else `#NAME=default`. */
function assignment(v: EnvVariable): string {
  const fillIn = v.required || ((CRON_RUNNER_VARIABLES as readonly string[]).includes(v.name) && v.default === null);
  return fillIn ? `${v.name}=` : `#${v.name}=${v.default ?? ''}`;
}

function section(title: string, vars: readonly EnvVariable[]): string[] {
  return [`# ── ${title} ${'─'.repeat(Math.max(3, 92 - title.length))}`, '', ...vars.flatMap((v) => [describe(v), assignment(v), ''])];
}

export function envTemplate(): string {
  const cron = CRON_RUNNER_VARIABLES.map((name) => {
    const v = VARIABLES.find((x) => x.name === name);
    if (v === undefined) throw new Error(`${name} is not in src/config/variables.ts`);
    return v;
  });
  const rest = VARIABLES.filter((v) => !cron.includes(v));
  const groups = [...new Set(rest.map((v) => v.group))];
  const lines = [
    '# perfsonar-queue configuration. Copy to .env (Docker Compose, and `psq` run in this directory) or to',
    '# /etc/perfsonar-queue/env (systemd units in deploy/systemd/).',
    '# Generated from src/config/variables.ts by `npx tsx scripts/env-docs.ts --write`: edit those, not this file.',
    '#',
    '# One line per variable: `NAME=value` to set it, `#NAME=default` keeps the default. An empty value counts as',
    '# unset. Write values without quotes; spaces are fine (HOSTS=192.0.2.10@site-a 198.51.100.7@site-b).',
    '# SECRET values are never logged; keep this file readable by its service only (chmod 640).',
    '',
    ...section('From the cron runner (perfsonar-extensions docker/.env): these lines carry over unchanged', cron),
    ...groups.flatMap((g) => section(GROUP_TITLES[g] ?? g, rest.filter((v) => v.group === g))),
    ...section('Docker Compose only (docker-compose-*.yml; psq itself does not read these)', COMPOSE_VARIABLES),
  ];
  return `${lines.join('\n').trimEnd()}\n`;
}

/** Everything the testpoint container's unit passes from the container's environment to psq. */
export function passEnvironmentLine(): string {
  const names = [...VARIABLES.flatMap((v) => [v.name, ...v.aliases]), 'PSQ_ROLES'];
  return `PassEnvironment=${names.join(' ')}`;
}

export const UNIT_FILE = 'deploy/systemd/psq-testpoint.service';
export const PASS_ENVIRONMENT = /^PassEnvironment=.*$/m;

if (process.argv[1]?.endsWith('env-docs.ts')) {
  if (process.argv.includes('--write')) {
    const readme = readFileSync('README.md', 'utf8');
    writeFileSync('README.md', readme.replace(TABLE_BLOCK, (_m, a: string, _b: string, c: string) => `${a}${readmeTable()}${c}`));
    writeFileSync('env.template', envTemplate());
    const unit = readFileSync(UNIT_FILE, 'utf8');
    writeFileSync(UNIT_FILE, unit.replace(PASS_ENVIRONMENT, passEnvironmentLine()));
  } else if (process.argv.includes('--env-template')) {
    process.stdout.write(envTemplate());
  } else {
    process.stdout.write(`${readmeTable()}\n`);
  }
}
