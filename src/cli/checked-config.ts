// The configuration a command runs with: the environment and .env, checked, with the problems this
// machine's files and ports add. Kept apart from context.ts so quick commands (health, plan) do
// not load the queue and responder modules.
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import type { Config } from '../config/config.js';
import type { ConfigProblem } from '../errors.js';
import type { CliArgs } from './args.js';
import { readHealthConfig, type HealthConfig } from './health-config.js';

/** In our images /data is the mounted volume; a container without one (a dev box) keeps ./data. */
export function inContainer(): boolean {
  const container = existsSync('/.dockerenv') || existsSync('/run/.containerenv') || process.env['container'] !== undefined;
  return container && existsSync('/data');
}

/** Commands and roles that plan or measure need HOSTS; delivering, the dashboard and the responder do not. */
export function needsHosts(args: Pick<CliArgs, 'command' | 'roles'>): boolean {
  if (args.command === 'plan' || args.command === 'run-once') return true;
  if (args.command !== 'start') return false;
  return args.roles.length === 0 || args.roles.includes('scheduler') || args.roles.includes('measure');
}

/** The configuration with every problem in it and in this machine's files and ports it names (DATA_DIR, …). */
export async function checkedConfigFrom(args: CliArgs): Promise<{ config: Config; problems: ConfigProblem[] }> {
  const [{ readConfig }, { environmentProblems }] = await Promise.all([import('../config/load-config.js'), import('./preflight.js')]);
  const { config, problems } = readConfig(await envFor(args), loadContext(args));
  return { config, problems: [...problems, ...(await environmentProblems(config, args, problems))] };
}

/**
 * `psq health`: only the variables it uses (health-config.ts), with the same problems for bad values
 * and the same check of the Redis TLS files, without loading the whole configuration's checks.
 */
export async function healthConfigFrom(args: CliArgs): Promise<{ config: HealthConfig; problems: ConfigProblem[] }> {
  const { config, problems } = readHealthConfig(await envFor(args), hostname());
  const tlsVariables = ['REDIS_URL', 'REDIS_CA_FILE', 'REDIS_CERT_FILE', 'REDIS_KEY_FILE'];
  const noFiles = config.redisCaFile === null && config.redisCertFile === null && config.redisKeyFile === null;
  if (noFiles || problems.some((p) => tlsVariables.includes(p.variable))) return { config, problems };
  const { redisTlsProblem } = await import('./preflight.js');
  const tls = await redisTlsProblem(config);
  return { config, problems: tls === null ? problems : [...problems, tls] };
}

async function envFor(args: CliArgs): Promise<Record<string, string>> {
  const envFile = args.envFile ?? (existsSync('.env') ? '.env' : null);
  if (envFile === null) return mergeEnvFile({}, process.env);
  // dotenv only when there is a file to read.
  const [{ mergeEnv }, { readEnvFile }] = await Promise.all([import('../config/env-file.js'), import('./read-env-file.js')]);
  return mergeEnv(readEnvFile(resolve(envFile)), process.env);
}

/** env-file.ts mergeEnv without a file (without loading dotenv): the process's variables that are set. */
function mergeEnvFile(fileEnv: Record<string, string>, processEnv: NodeJS.ProcessEnv): Record<string, string> {
  const merged = { ...fileEnv };
  for (const [name, value] of Object.entries(processEnv)) if (value !== undefined) merged[name] = value;
  return merged;
}

function loadContext(args: CliArgs) {
  // The process's own environment, apart from the env file: what the programs psq runs get theirs from.
  return { hostname: hostname(), inContainer: inContainer(), requireHosts: needsHosts(args), processEnv: process.env };
}
