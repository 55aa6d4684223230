// The dashboard's view of the deployment's queues: discovers them, owns one fail-fast Queue and one
// QueueEvents listener per queue, and tells the board about each new one.
import { Queue, QueueEvents, type RedisOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { connectionFor } from '../queues/connection-kinds.js';
import { withTimeout } from '../async.js';
import type { Logger } from '../logger.js';
import type { JobEventRecorder } from './job-events.js';
import { discoverQueueNames, sortQueueNames } from './queue-discovery.js';

export interface QueueWatchOptions {
  /** Base Redis options (from REDIS_URL); the watch derives its own connections from them. */
  readonly connection: RedisOptions;
  readonly prefix: string;
  /** The dashboard's control connection (SCAN, XREVRANGE). */
  readonly control: Redis;
  readonly recorder: JobEventRecorder;
  readonly logger: Logger;
  /** Queues shown before their first job (configuredQueueNames: schedule, the archivers', this testpoint's). */
  readonly known: readonly string[];
  /** Called once per queue, when it is first seen. */
  readonly onQueue: (queue: Queue) => void;
}

interface Watched {
  readonly queue: Queue;
  readonly events: QueueEvents;
}

export class QueueWatch {
  private readonly watched = new Map<string, Watched>();
  private timer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | null = null;
  private initialDone = false;
  private closed = false;
  /**
   * One producer connection for every watched Queue (BullMQ does not close a connection it is given):
   * a connection per queue of a 100-testpoint fleet is 200 more clients, each loading BullMQ's
   * scripts, which made the dashboard's start seconds slower and tens of MB bigger. Made on first use.
   */
  private producer: Redis | null = null;

  constructor(private readonly opts: QueueWatchOptions) {}

  private sharedProducer(): Redis {
    if (this.producer === null) {
      this.producer = new Redis(connectionFor('producer', this.opts.connection) as Record<string, unknown>);
      this.producer.on('error', (err: Error) => this.opts.logger.debug({ err }, 'dashboard queue connection error'));
    }
    return this.producer;
  }

  names(): string[] {
    return sortQueueNames(this.watched.keys());
  }

  queues(): Queue[] {
    return this.names().map((n) => this.watched.get(n)!.queue);
  }

  get(name: string): Queue | undefined {
    return this.watched.get(name)?.queue;
  }

  /** Discovers queues and starts watching new ones; concurrent calls share one pass. */
  refresh(): Promise<void> {
    this.refreshing ??= this.discoverAndAdd().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  /** Re-discovers every `intervalMs`, so a testpoint that starts later appears on its own. */
  start(intervalMs: number): void {
    this.timer = setInterval(() => {
      this.refresh().catch((err: unknown) => {
        // While Redis is down the control connection has already said so once; no warning per tick.
        const level = this.opts.control.status === 'ready' ? 'warn' : 'debug';
        this.opts.logger[level]({ err }, 'queue discovery failed; will try again');
      });
    }, intervalMs);
    this.timer.unref();
  }

  private async discoverAndAdd(): Promise<void> {
    let names: string[];
    try {
      names = await withTimeout(discoverQueueNames(this.opts.control, this.opts.prefix, this.opts.known), 10_000, 'queue discovery');
    } finally {
      // Even without Redis the board shows the queues this deployment is configured to have.
      await this.addAll(this.opts.known, false);
    }
    await this.addAll(names, this.initialDone);
    this.initialDone = true;
  }

  /** Adds the queues not yet watched, their stream ends read at once (one round trip for a fleet, not one per queue). */
  private async addAll(names: readonly string[], fromStart: boolean): Promise<void> {
    const fresh = names.filter((name) => !this.watched.has(name));
    const ends = await Promise.all(fresh.map((name) => (fromStart ? '0-0' : this.streamEnd(name))));
    for (const [i, name] of fresh.entries()) this.add(name, ends[i]!);
  }

  /**
   * `lastEventId`: where the queue's events stream is read from. A queue that appeared after the
   * dashboard started has no history we could have counted, so from the beginning ('0-0');
   * otherwise from its current end, read first so nothing slips between "discovered" and
   * "listening"; null (unknown) from now.
   */
  private add(name: string, lastEventId: string | null): void {
    if (this.closed || this.watched.has(name)) return;
    const { connection, prefix, logger, recorder } = this.opts;
    // Producers fail fast (BullMQ's production guide): a board request during an outage gets an
    // error at once instead of queueing commands until Redis returns.
    const queue = new Queue(name, { connection: this.sharedProducer(), prefix });
    queue.on('error', (err) => logger.debug({ err, queue: name }, 'dashboard queue error'));
    // QueueEvents blocks on XREAD, so it waits out outages (BullMQ sets maxRetriesPerRequest: null).
    const events = new QueueEvents(name, { connection: connectionFor('worker', connection), prefix, ...(lastEventId ? { lastEventId } : {}) });
    events.on('error', (err) => logger.debug({ err, queue: name }, 'dashboard queue events error'));
    // One event at a time per queue, in stream order: a retry must be counted before the delivery
    // that follows it resets the archiver's consecutive-failure count.
    let tail: Promise<void> = Promise.resolve();
    const inOrder = (what: string, jobId: string, work: () => Promise<void>) => {
      tail = tail.then(() => recorder.guard(what, name, jobId, work()));
    };
    events.on('completed', ({ jobId }) => inOrder('completion', jobId, () => recorder.completed(queue, jobId)));
    events.on('failed', ({ jobId }) => inOrder('failure', jobId, () => recorder.failed(queue, jobId)));
    events.on('delayed', ({ jobId }) => inOrder('retry', jobId, () => recorder.requeued(queue, jobId)));
    events.on('waiting', ({ jobId, prev }) => {
      if (prev === 'active') inOrder('retry', jobId, () => recorder.requeued(queue, jobId));
    });
    this.watched.set(name, { queue, events });
    this.opts.onQueue(queue);
    void recorder.guard('seed', name, '-', withTimeout(recorder.seed(queue), 30_000, `seeding ${name}`));
    logger.info({ queue: name }, 'dashboard watching queue');
  }

  /** The id of the newest entry of the queue's events stream; null when unknown (then: from now). */
  private async streamEnd(name: string): Promise<string | null> {
    try {
      const entries = await withTimeout(this.opts.control.xrevrange(`${this.opts.prefix}:${name}:events`, '+', '-', 'COUNT', 1), 2000, 'xrevrange');
      return entries[0]?.[0] ?? '0-0';
    } catch {
      return null;
    }
  }

  /** Waits until every QueueEvents listener is connected (tests; startup). */
  async ready(timeoutMs: number): Promise<void> {
    await withTimeout(Promise.all([...this.watched.values()].map((w) => w.events.waitUntilReady())), timeoutMs, 'queue events');
  }

  /**
   * Idempotent; bounded: a connection that does not close in time is dropped. A graceful close waits
   * for a connection that never came up (BullMQ awaits its client), hence the forced close after it.
   */
  async close(timeoutMs = 5000): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await this.refreshing?.catch(() => undefined);
    const all = [...this.watched.values()];
    this.watched.clear();
    const bounded = (what: string, graceful: () => Promise<void>, forced: () => Promise<void>) =>
      withTimeout(graceful(), timeoutMs, what)
        .catch(() => withTimeout(forced(), 1000, `${what} (forced)`))
        .catch((err: unknown) => this.opts.logger.warn({ err }, 'dashboard connection did not close; dropped'));
    await Promise.all(
      all.flatMap(({ queue, events }) => [
        bounded('queue events close', () => events.close(), () => events.getBackend().close(true)),
        bounded('queue close', () => queue.close(), () => queue.getBackend().close(true)),
      ]),
    );
    const producer = this.producer;
    this.producer = null;
    if (producer !== null) {
      await bounded(
        'queue connection close',
        async () => {
          await producer.quit();
        },
        async () => producer.disconnect(),
      );
    }
  }
}
