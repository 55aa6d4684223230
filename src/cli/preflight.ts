// Checks of the configuration against this machine, before anything starts: the directories, files and
// ports a command is about to use. Problems come back in the configuration's own form, so main reports
// them together with the rest (exit 2, every problem at once, no stack trace).
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import type { Config } from '../config/config.js';
import type { ConfigProblem } from '../errors.js';
import type { CliArgs, RoleName } from './args.js';

type Command = Pick<CliArgs, 'command' | 'roles'>;

/** `start` with no roles named runs scheduler, measure, archive and dashboard (and maybe responder). */
function startsRole(args: Command, role: RoleName): boolean {
  return args.command === 'start' && (args.roles.length === 0 || args.roles.includes(role));
}

/** Which checks a command needs: only what it will really use. */
export function checksFor(args: Command): { dataDir: boolean; caFile: boolean; dashboardPort: boolean } {
  return {
    dataDir: args.command === 'run-once' || startsRole(args, 'measure'),
    caFile: ['run-once', 'replay', 'retry-failed'].includes(args.command) || startsRole(args, 'archive'),
    dashboardPort: startsRole(args, 'dashboard'),
  };
}

/** Whether a command connects to Redis, so that REDIS_CA_FILE, REDIS_CERT_FILE and REDIS_KEY_FILE must be usable. */
export function usesRedis(args: Command): boolean {
  if (args.command === 'start') return args.roles.length === 0 || args.roles.some((r) => r !== 'responder');
  return ['run-once', 'replay', 'retry-failed', 'health', 'status'].includes(args.command);
}

/** `already` are the problems found so far: a variable already reported is not checked again. */
export async function environmentProblems(config: Config, args: Command, already: readonly ConfigProblem[] = []): Promise<ConfigProblem[]> {
  const reported = new Set(already.map((p) => p.variable));
  const want = checksFor(args);
  const problems: ConfigProblem[] = [];
  if (want.dataDir && !reported.has('DATA_DIR')) {
    const why = await dataDirProblem(config.dataDir);
    if (why !== null) problems.push({ variable: 'DATA_DIR', value: config.dataDir, expected: `a directory psq can create and write results in (${why})` });
  }
  if (want.caFile && config.archiveCaFile !== null && !reported.has('ARCHIVE_CA_FILE')) {
    const why = await caFileProblem(config);
    if (why !== null) problems.push({ variable: 'ARCHIVE_CA_FILE', value: config.archiveCaFile, expected: `a readable PEM file with the archiver's CA certificate (${why})` });
  }
  const tlsVariables = ['REDIS_URL', 'REDIS_CA_FILE', 'REDIS_CERT_FILE', 'REDIS_KEY_FILE'];
  if (usesRedis(args) && !tlsVariables.some((v) => reported.has(v))) {
    const problem = await redisTlsProblem(config);
    if (problem !== null) problems.push(problem);
  }
  if (want.dashboardPort && config.dashboardPort !== 0 && !reported.has('DASHBOARD_PORT') && !reported.has('DASHBOARD_HOST')) {
    const why = await portProblem(config.dashboardHost, config.dashboardPort);
    if (why !== null) {
      problems.push({ variable: 'DASHBOARD_PORT', value: String(config.dashboardPort), expected: `a port free on ${config.dashboardHost} for the dashboard (${why})` });
    }
  }
  return problems;
}

/**
 * null when results can be written under `dir`: it is a writable directory, or it does not exist yet
 * and its nearest existing parent is one (psq creates it later). Nothing is created here, so a start
 * refused for another reason leaves no trace.
 */
export async function dataDirProblem(dir: string): Promise<string | null> {
  const target = resolve(dir);
  let existing = target;
  for (;;) {
    try {
      const info = await stat(existing);
      if (!info.isDirectory()) return existing === target ? 'it is not a directory (ENOTDIR)' : `cannot create it: ${existing} is not a directory (ENOTDIR)`;
      break;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // ENOTDIR: a file somewhere above; walking up finds it and names it.
      if (code !== 'ENOENT' && code !== 'ENOTDIR') return `cannot look at it: ${errnoText(err)}`;
      const parent = dirname(existing);
      if (parent === existing) return 'cannot create it: no existing parent directory';
      existing = parent;
    }
  }
  try {
    // access() also reports a read-only filesystem (EROFS), which permissions alone would not show.
    await access(existing, constants.W_OK | constants.X_OK);
  } catch (err) {
    return existing === target ? `cannot write in it: ${errnoText(err)}` : `cannot create it in ${existing}: ${errnoText(err)}`;
  }
  if (existing !== target) return null;
  const probe = join(target, `.psq-write-check-${randomBytes(4).toString('hex')}`);
  try {
    await writeFile(probe, '');
  } catch (err) {
    return `cannot write in it: ${errnoText(err)}`;
  } finally {
    await rm(probe, { force: true }).catch(() => undefined);
  }
  return null;
}

async function caFileProblem(config: Config): Promise<string | null> {
  // Imported here, not above: undici is loaded only by the commands that deliver (psq health stays quick).
  const { createArchiveDispatchers } = await import('../archive/dispatchers.js');
  try {
    // The same reading the archive worker does at start, so both agree on what is acceptable.
    void createArchiveDispatchers({ archiveCaFile: config.archiveCaFile, archiveTimeoutMs: config.archiveTimeoutMs, archiveInsecureTls: false }).close();
    return null;
  } catch (err) {
    return (err as Error).message.replace(/^ARCHIVE_CA_FILE=.*?: /, '');
  }
}

/** The same reading (and PEM checks) every Redis connection does at start, so both agree on what is acceptable. */
export async function redisTlsProblem(config: Pick<Config, 'redisCaFile' | 'redisCertFile' | 'redisKeyFile'>): Promise<ConfigProblem | null> {
  if (config.redisCaFile === null && config.redisCertFile === null && config.redisKeyFile === null) return null;
  const { readRedisTls, RedisTlsFileError, expectedTlsFile } = await import('../queues/redis-tls.js');
  try {
    await readRedisTls(config);
    return null;
  } catch (err) {
    if (!(err instanceof RedisTlsFileError)) throw err;
    return { variable: err.variable, value: err.path, expected: `${expectedTlsFile(err.variable)} (${err.reason})` };
  }
}

/** null when something can listen on host:port right now (it is released again at once). */
export function portProblem(host: string, port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (err) => resolve(`${errnoText(err)}${(err as NodeJS.ErrnoException).code === 'EADDRINUSE' ? ': another program listens there' : ''}`));
    server.listen(port, host, () => server.close(() => resolve(null)));
  });
}

function errnoText(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e.code ?? e.message;
}
