// One Queue object per name for this process, all on the same prefix; closed together.
import { Queue } from 'bullmq';
import type { RedisOptions } from 'bullmq';
import type { Logger } from '../logger.js';
import { redisErrorLogger } from './redis-error-log.js';

export class QueueRegistry {
  private readonly queues = new Map<string, Queue>();
  private closing: Promise<void> | null = null;

  constructor(
    readonly connection: RedisOptions,
    readonly prefix: string,
    private readonly logger: Logger,
  ) {}

  get<T = unknown>(name: string): Queue<T> {
    let q = this.queues.get(name);
    if (!q) {
      q = new Queue(name, { connection: this.connection, prefix: this.prefix });
      q.on('error', redisErrorLogger(this.logger, { queue: name }, 'queue error'));
      this.queues.set(name, q);
    }
    return q as Queue<T>;
  }

  close(): Promise<void> {
    this.closing ??= Promise.allSettled([...this.queues.values()].map((q) => q.close())).then(() => undefined);
    return this.closing;
  }
}
