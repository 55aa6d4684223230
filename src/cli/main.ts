// psq: the command-line entry point. Only src/cli/ and workers/ read process.env, signals or exit.
import type { Config } from '../config/config.js';
import { ConfigError } from '../errors.js';
import { createLogger } from '../logger.js';
import { RedisUnavailableError } from '../queues/embedded-redis.js';
import { parseCliArgs, USAGE } from './args.js';
import { replayCommand, retryFailedCommand } from './commands/deliveries.js';
import { healthCommand } from './commands/health.js';
import { listTests, planCommand } from './commands/plan.js';
import { runOnceCommand } from './commands/run-once.js';
import { startCommand } from './commands/start.js';
import { configFrom } from './context.js';

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
  let config: Config;
  try {
    config = configFrom(args);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`psq: ${err.message}\nNothing was enqueued. See env.template for every variable.\n`);
      return 2;
    }
    throw err;
  }
  if (args.command === 'plan') return planCommand(config);
  if (args.command === 'health') return healthCommand(config, args.roles);
  // run-once keeps stdout for its summary; the long-running roles log to stdout (JSON lines).
  const logger = createLogger({
    level: config.logLevel,
    pretty: config.logPretty,
    base: { testpoint: config.testpoint },
    ...(args.command === 'start' ? {} : { destination: process.stderr }),
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
        return await runOnceCommand(config, args, logger);
    }
  } catch (err) {
    if (err instanceof RedisUnavailableError) {
      process.stderr.write(`psq: ${err.message}\n`);
      return 2;
    }
    logger.fatal({ err }, 'psq failed');
    return 1;
  }
}
