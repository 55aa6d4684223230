// The configuration a command runs with: the environment and .env, checked, with the problems this
// machine's files and ports add. Kept apart from context.ts so quick commands (health, plan) do
// not load the queue and responder modules.
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import type { Config } from '../config/config.js';
import { mergeEnv } from '../config/env-file.js';
import { readEnvFile } from './read-env-file.js';
import { readConfig } from '../config/load-config.js';
import type { ConfigProblem } from '../errors.js';
import type { CliArgs } from './args.js';
import { environmentProblems } from './preflight.js';

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
  const { config, problems } = readConfig(envFor(args), loadContext(args));
  return { config, problems: [...problems, ...(await environmentProblems(config, args, problems))] };
}

function envFor(args: CliArgs): Record<string, string> {
  const envFile = args.envFile ?? (existsSync('.env') ? '.env' : null);
  const fileEnv = envFile ? readEnvFile(resolve(envFile)) : {};
  return mergeEnv(fileEnv, process.env);
}

function loadContext(args: CliArgs) {
  // The process's own environment, apart from the env file: what the programs psq runs get theirs from.
  return { hostname: hostname(), inContainer: inContainer(), requireHosts: needsHosts(args), processEnv: process.env };
}
