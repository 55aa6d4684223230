// Bull Board for the deployment's queues: readable job names, secrets masked server-side, optional read-only.
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import type { ControllerHandlerReturnType } from '@bull-board/api/typings/app';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import type { RequestHandler } from 'express';
import { SCHEDULE_QUEUE } from '../queues/queue-names.js';
import { maskSecrets, maskString } from './mask-secrets.js';
import { archiverLabel } from './metrics.js';
import { isArchiveQueue, sortQueueNames } from './queue-discovery.js';

export const BOARD_PATH = '/admin/queues';

export interface BoardOptions {
  /** readOnlyMode: actions hidden and every write answers 405. */
  readonly readOnly: boolean;
  /** Configured secret values (AUTH_TOKEN, passwords) to mask wherever they appear. */
  readonly secrets: readonly (string | null | undefined)[];
}

export interface Board {
  /** Mount at {@link BOARD_PATH}, behind the auth middleware. */
  readonly router: RequestHandler;
  add(queue: Queue): void;
}

export function describeQueue(name: string): string {
  if (name === SCHEDULE_QUEUE) return "Round ticks: one per cron slot and testpoint; each fans out the round's measurements.";
  if (isArchiveQueue(name)) return 'Deliveries to one archiver: a job per result, retried with backoff; failed ones wait here for a manual retry.';
  if (name.startsWith('throughput-')) return `Throughput tests of testpoint ${name.slice('throughput-'.length)}, one at a time.`;
  if (name.startsWith('measure-')) return `Latency, rtt, trace, mtu and clock tests of testpoint ${name.slice('measure-'.length)}.`;
  return '';
}

interface ArchiveJobView {
  data?: {
    url?: unknown;
    category?: unknown;
    testpoint?: unknown;
    body?: { dst?: { ip?: unknown; name?: unknown }; direction?: unknown };
  };
  name?: unknown;
}

/** "latency → site-a (192.0.2.10) forward · tp-1 → https://archiver/ps": what the list shows per delivery. */
export function archiveJobTitle(job: ArchiveJobView): string {
  const d = job.data;
  const dst = d?.body?.dst;
  if (typeof d?.category !== 'string' || typeof dst?.name !== 'string') return typeof job.name === 'string' ? job.name : '';
  const ip = typeof dst.ip === 'string' ? ` (${dst.ip})` : '';
  const direction = typeof d.body?.direction === 'string' ? ` ${d.body.direction}` : '';
  const from = typeof d.testpoint === 'string' ? ` · ${d.testpoint}` : '';
  return `${d.category} → ${dst.name}${ip}${direction}${from} → ${archiverLabel(d.url)}`;
}

/** Every string in an API answer, secrets replaced: covers what formatters cannot (errors, schedulers). */
function scrubStrings(value: unknown, secrets: readonly string[]): unknown {
  if (typeof value === 'string') return maskString(value, secrets);
  if (Array.isArray(value)) return value.map((v) => scrubStrings(v, secrets));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrubStrings(v, secrets)]));
  }
  return value;
}

export function createBoard(options: BoardOptions): Board {
  const secrets = options.secrets.filter((s): s is string => typeof s === 'string' && s !== '');
  const serverAdapter = new ExpressAdapter();
  // Must equal the mount path, or the UI's static files and API calls 404.
  serverAdapter.setBasePath(BOARD_PATH);
  const board = createBullBoard({
    queues: [],
    serverAdapter,
    options: {
      uiConfig: { boardTitle: 'perfsonar-queue', sortQueues: false },
      handlerHooks: {
        after: (_context, result: ControllerHandlerReturnType) =>
          secrets.length === 0 ? result : { ...result, body: scrubStrings(result.body, secrets) as typeof result.body },
      },
    },
  });
  const mask = (value: unknown) => maskSecrets(value, secrets);
  const adapters = new Map<string, BullMQAdapter>();
  return {
    router: serverAdapter.getRouter() as RequestHandler,
    add(queue) {
      const adapter = new BullMQAdapter(queue, {
        readOnlyMode: options.readOnly,
        allowRetries: true,
        description: describeQueue(queue.name),
      });
      // Server-side, so a secret never reaches the browser (the UI only hides what the API sends).
      adapter.setFormatter('data', mask);
      adapter.setFormatter('returnValue', mask);
      adapter.setFormatter('progress', mask);
      adapter.setFormatter('name', (job: ArchiveJobView) => {
        const title = isArchiveQueue(queue.name) ? archiveJobTitle(job) : typeof job.name === 'string' ? job.name : '';
        return maskString(title, secrets);
      });
      adapters.set(queue.name, adapter);
      // Re-listed in deployment order (schedule, testpoints, archivers) whenever a queue appears; the
      // board keeps insertion order, so empty it first (synchronous: no request sees it empty).
      for (const name of adapters.keys()) board.removeQueue(name);
      board.setQueues(sortQueueNames(adapters.keys()).map((name) => adapters.get(name)!));
    },
  };
}
