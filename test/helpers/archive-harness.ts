// Produces archive jobs the way the measure worker does and runs the real archive role on them.
import type { ArchiveJobData, ArchiveJobRef } from '../../src/jobs/archive-job.js';
import { archiveJobOptions } from '../../src/jobs/archive-job.js';
import type { Config } from '../../src/config/config.js';
import { archiveJobId, runIdFor } from '../../src/plan/job-id.js';
import { archiveQueueName } from '../../src/queues/queue-names.js';
import type { QueueRegistry } from '../../src/queues/queue-registry.js';

export { freePort } from './ports.js';

/** n results (distinct run_ids), one archive job per configured archiver, as the measure worker enqueues them. */
export async function produceResults(queues: QueueRegistry, config: Config, n: number, tag = 'r'): Promise<ArchiveJobRef[]> {
  const refs: ArchiveJobRef[] = [];
  for (let i = 0; i < n; i++) {
    const measureId = `tp__rtt__auto__192.0.2.${i % 250}__forward__${tag}${i}`;
    const ts = new Date(Date.UTC(2026, 10, 25, 10, 0, i)).toISOString().slice(0, 19) + 'Z';
    for (const url of config.archiveUrls) {
      const data: ArchiveJobData = {
        url,
        category: 'rtt',
        body: { src: { ip: '198.51.100.1', name: 'tp' }, dst: { ip: `192.0.2.${i % 250}`, name: `d${i}` }, direction: 'forward', ts, run_id: runIdFor(measureId), raw: { schema: 1, succeeded: true, seq: i } },
        resultFile: `/data/rtt/${i}.json`,
        testpoint: 'tp',
        measurementSucceeded: true,
      };
      const id = archiveJobId(measureId, url, ts);
      const queue = archiveQueueName(url);
      await queues.get<ArchiveJobData>(queue).add('rtt', data, { ...archiveJobOptions(config), jobId: id });
      refs.push({ queue, id });
    }
  }
  return refs;
}
