// psq: the command-line entry point. Only src/cli/ and workers/ use signals, argv or exit; only
// checked-config.ts reads process.env (biome's noProcessEnv holds everything else to it).
import type { ConfigProblem } from '../errors.js';
import { parseCliArgs, USAGE } from './args.js';

// Every other module is imported when its command runs (`await import(…)` below): `psq help`,
// `list-tests` and the compose health checks start without loading bullmq, express, bull-board,
// undici or execa.

export async function main(argv: readonly string[]): Promise<number> {
  const parsed = parseCliArgs(argv);
  if (!parsed.ok) {
    process.stderr.write(`psq: ${parsed.error}\n\n${USAGE}\n`);
    return 2;
  }
  const args = parsed.args;
  // A long-running process: its start-up must not size its young generation (young-generation.ts).
  if (args.command === 'start') (await import('./young-generation.js')).holdYoungGeneration();
  if (args.command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (args.command === 'list-tests') {
    const { listTests } = await import('./commands/list-tests.js');
    process.stdout.write(`${listTests()}\n`);
    return 0;
  }
  if (args.command === 'health') {
    // Its own short reading of the few variables it uses (health-config.ts): it runs every 30 s per container.
    const { healthConfigFrom } = await import('./checked-config.js');
    const { config, problems } = await healthConfigFrom(args);
    if (problems.length > 0) return configProblems(problems);
    return (await import('./commands/health.js')).healthCommand(config, args.roles);
  }
  const { checkedConfigFrom } = await import('./checked-config.js');
  const checked = await checkedConfigFrom(args);
  const problems = checked.problems;
  let config = checked.config;
  if (problems.length > 0) return configProblems(problems);
  if (args.command === 'plan') return (await import('./commands/plan.js')).planCommand(config, args.testpoint);
  if (args.testpoint !== null || (args.command === 'run-once' && config.fleetFile !== null)) {
    // One testpoint of the fleet: its hosts, tests, schedule… in place of the environment's.
    const { testpointConfigFrom, fleetProblemsText } = await import('./read-fleet-file.js');
    const picked = testpointConfigFrom(config, args.testpoint);
    if (!picked.ok) {
      process.stderr.write(`psq: ${fleetProblemsText(picked.fleetFile, picked.problems)}\nNothing was enqueued.\n`);
      return 2;
    }
    config = picked.config;
  }
  if (args.command === 'acl') return (await import('./commands/acl.js')).aclCommand(config, args.acl);
  if (args.command === 'status') return (await import('./commands/status.js')).statusCommand(config, { json: args.json });
  const [{ createLogger, resolveLogFormat }, { progressOn, setProgressDisplay }, { StatusLine }] = await Promise.all([
    import('../logger.js'),
    import('./progress-display.js'),
    import('./status-line.js'),
  ]);
  // run-once keeps stdout for its summary; the long-running roles log to stdout. At a terminal the
  // one-shot commands keep a progress line under their log lines (on stderr).
  const logStream = args.command === 'start' ? process.stdout : process.stderr;
  const status = args.command !== 'start' && process.stderr.isTTY ? new StatusLine(process.stderr) : null;
  const progress = progressOn(status);
  setProgressDisplay(progress);
  const logger = createLogger({
    level: config.logLevel,
    pretty: resolveLogFormat(config.logFormat, logStream.isTTY === true) === 'pretty',
    base: { testpoint: config.testpoint },
    ...(status !== null ? { destination: status } : args.command === 'start' ? {} : { destination: process.stderr }),
  });
  try {
    switch (args.command) {
      case 'start':
        return await (await import('./commands/start.js')).startCommand(config, args, logger);
      case 'replay':
        return await (await import('./commands/deliveries.js')).replayCommand(config, args, logger);
      case 'retry-failed':
        return await (await import('./commands/deliveries.js')).retryFailedCommand(config, args, logger);
      default:
        return await (await import('./commands/run-once.js')).runOnceCommand(config, args, logger, progress);
    }
  } catch (err) {
    progress.clear();
    const [{ RedisUnavailableError }, { RedisConnectError }, { RedisTlsFileError }] = await Promise.all([
      import('../queues/embedded-redis.js'),
      import('../queues/redis-check.js'),
      import('../queues/redis-tls.js'),
    ]);
    if (err instanceof RedisUnavailableError || err instanceof RedisTlsFileError) {
      process.stderr.write(`psq: ${err.message}\n`);
      return 2;
    }
    if (err instanceof RedisConnectError) {
      process.stderr.write(`psq: ${err.message}\n`);
      return err.exitCode;
    }
    const refused = (await import('../queues/redis-problem.js')).describeRefusedCommand(err);
    if (refused !== null) {
      process.stderr.write(`psq: ${refused}\n`);
      return 2;
    }
    if (isListenError(err)) {
      // A port taken between the start check and the listen: still a configuration problem.
      process.stderr.write(`psq: ${(err as Error).message}\n`);
      return 2;
    }
    logger.fatal({ err }, 'psq failed');
    return 1;
  }
}

async function configProblems(problems: readonly ConfigProblem[]): Promise<number> {
  const { ConfigError } = await import('../errors.js');
  process.stderr.write(`psq: ${new ConfigError([...problems]).message}\nNothing was enqueued. See env.template for every variable.\n`);
  return 2;
}

function isListenError(err: unknown): boolean {
  const cause = (err as { cause?: NodeJS.ErrnoException } | null)?.cause;
  return cause?.syscall === 'listen';
}
