// psq: the command-line entry point. Only src/cli/ and workers/ read process.env, signals or exit.
import { ConfigError } from '../errors.js';
import { createLogger, resolveLogFormat } from '../logger.js';
import { RedisUnavailableError } from '../queues/embedded-redis.js';
import { RedisConnectError } from '../queues/redis-check.js';
import { parseCliArgs, USAGE } from './args.js';
import { replayCommand, retryFailedCommand } from './commands/deliveries.js';
import { healthCommand } from './commands/health.js';
import { listTests, planCommand } from './commands/plan.js';
import { runOnceCommand } from './commands/run-once.js';
import { startCommand } from './commands/start.js';
import { checkedConfigFrom } from './context.js';
import { progressOn, setProgressDisplay } from './progress-display.js';
import { StatusLine } from './status-line.js';

export async function main(argv: readonly string[]): Promise<number> {
  const parsed = parseCliArgs(argv);
  if (!parsed.ok) {
    process.stderr.write(`psq: ${parsed.error}\n\n${USAGE}\n`);
    return 2;
  }
  const args = parsed.args;
  if (args.command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (args.command === 'list-tests') {
    process.stdout.write(`${listTests()}\n`);
    return 0;
  }
  const { config, problems } = await checkedConfigFrom(args);
  if (problems.length > 0) {
    process.stderr.write(`psq: ${new ConfigError(problems).message}\nNothing was enqueued. See env.template for every variable.\n`);
    return 2;
  }
  if (args.command === 'plan') return planCommand(config);
  if (args.command === 'health') return healthCommand(config, args.roles);
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
        return await startCommand(config, args, logger);
      case 'replay':
        return await replayCommand(config, args, logger);
      case 'retry-failed':
        return await retryFailedCommand(config, args, logger);
      default:
        return await runOnceCommand(config, args, logger, progress);
    }
  } catch (err) {
    progress.clear();
    if (err instanceof RedisUnavailableError) {
      process.stderr.write(`psq: ${err.message}\n`);
      return 2;
    }
    if (err instanceof RedisConnectError) {
      process.stderr.write(`psq: ${err.message}\n`);
      return err.exitCode;
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

function isListenError(err: unknown): boolean {
  const cause = (err as { cause?: NodeJS.ErrnoException } | null)?.cause;
  return cause?.syscall === 'listen';
}
