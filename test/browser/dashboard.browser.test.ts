// The dashboard in a real browser: headless Chromium (Debian's) driven by playwright-core, basic auth,
// the queues listed, a failed delivery opened and retried from the UI, and the job running again.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ArchiveJobData } from '../../src/jobs/archive-job.js';
import { archiveJobOptions } from '../../src/jobs/archive-job.js';
import { createLogger } from '../../src/logger.js';
import { archiveQueueName } from '../../src/queues/queue-names.js';
import { QueueRegistry } from '../../src/queues/queue-registry.js';
import { startArchiveRole } from '../../src/roles/archive-role.js';
import { startDashboardRole } from '../../src/roles/dashboard-role.js';
import type { Role } from '../../src/roles/role.js';
import { startArchiverServer, type ArchiverServer } from '../helpers/archiver-server.js';
import { testConfig } from '../helpers/config.js';
import { deletePrefix, testRedisOptions, uniquePrefix } from '../helpers/redis.js';
import { eventually } from '../helpers/eventually.js';

const CHROMIUM = '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const IN_CI = process.env['CI'] === 'true';
const SCREENSHOT = new URL('../../test-artifacts/dashboard.png', import.meta.url).pathname;
const TOKEN = 'tok-Browser-77x-never-show';
const USER = 'ops';
const PASSWORD = 'pw-Browser-1234';

if (!HAVE_CHROMIUM && !IN_CI) {
  console.warn(`skipping the browser test: ${CHROMIUM} is missing (apt-get install -y chromium); CI installs it and fails without it`);
}

describe.skipIf(!HAVE_CHROMIUM && !IN_CI)('dashboard in Chromium', () => {
  const prefix = uniquePrefix();
  const logger = createLogger({ level: 'silent' });
  const cleanups: (() => Promise<unknown>)[] = [];
  let archiver: ArchiverServer;
  let queues: QueueRegistry;
  let dashboard: Role & { url: string };
  let context: BrowserContext;

  beforeAll(async () => {
    // In CI a missing browser is a broken image, not a reason to skip.
    if (!HAVE_CHROMIUM) throw new Error(`CI=true but ${CHROMIUM} is missing: install the Debian chromium package`);
    archiver = await startArchiverServer({ token: TOKEN });
    cleanups.push(() => archiver.close());
    const config = testConfig({
      DASHBOARD_PORT: '0',
      DASHBOARD_USER: USER,
      DASHBOARD_PASSWORD: PASSWORD,
      ARCHIVE_URLS: archiver.url,
      AUTH_TOKEN: TOKEN,
      ARCHIVE_ATTEMPTS: '3',
      ARCHIVE_BACKOFF_MS: '20',
      ARCHIVE_BACKOFF_MAX_MS: '50',
    });
    queues = new QueueRegistry(testRedisOptions(), prefix, logger);
    cleanups.push(() => deletePrefix(prefix));
    cleanups.push(() => queues.close());
    await queues.get('measure-tp1').add('latency → site-a', { spec: { testpoint: 'tp1' }, slotMs: 0 }, { jobId: 'm1' });
    dashboard = await startDashboardRole({ config, queues, logger, roles: () => ['dashboard', 'archive'] });
    cleanups.push(() => dashboard.close());
    const archive = await startArchiveRole({ config, queues, logger, shutdownGraceMs: 2000 });
    cleanups.push(() => archive.close());

    // A delivery the archiver rejects (400): failed at once, waiting for an operator.
    archiver.enqueue({ status: 400, body: { detail: "'x' is not of type 'object' (raw)" } });
    const data = {
      url: archiver.url,
      category: 'rtt',
      body: { src: { ip: '198.51.100.1', name: 'tp1' }, dst: { ip: '192.0.2.10', name: 'site-a' }, direction: 'forward', ts: new Date().toISOString(), run_id: 'run-1', raw: { schema: 1, succeeded: true } },
      resultFile: '/data/rtt/site-a.json',
      testpoint: 'tp1',
      measurementSucceeded: true,
      // Never belongs in job data; if it gets there the board must still not show it.
      apiToken: TOKEN,
    } as ArchiveJobData;
    const archiveQueue = queues.get<ArchiveJobData>(archiveQueueName(archiver.url));
    await archiveQueue.add('rtt site-a', data, { ...archiveJobOptions(config), jobId: 'delivery-1' });
    await eventually(async () => (await archiveQueue.getJobState('delivery-1')) === 'failed', { what: 'rejected delivery' });

    const userDataDir = mkdtempSync(join(tmpdir(), 'psq-chromium-'));
    cleanups.push(async () => rmSync(userDataDir, { recursive: true, force: true }));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
      httpCredentials: { username: USER, password: PASSWORD },
      viewport: { width: 1400, height: 900 },
    });
    cleanups.push(() => context.close());
    // The board links a web font; tests stay off the network.
    const origin = new URL(dashboard.url).origin;
    await context.route('**/*', (route) => (route.request().url().startsWith(origin) ? route.continue() : route.abort()));
  });

  afterAll(async () => {
    while (cleanups.length > 0) await cleanups.pop()!().catch((err: unknown) => console.error('cleanup failed', err));
  });

  it('lists the queues, opens the failed delivery and retries it', async () => {
    const archiveQueue = queues.get<ArchiveJobData>(archiveQueueName(archiver.url));
    const page = await context.newPage();
    await page.goto(`${dashboard.url}/admin/queues`, { waitUntil: 'domcontentloaded' });
    const sidebar = page.locator('nav, aside').first();
    for (const name of ['schedule', 'measure-tp1', archiveQueueName(archiver.url)]) {
      await expect.poll(() => sidebar.getByText(name, { exact: true }).count(), { timeout: 10_000 }).toBeGreaterThan(0);
    }

    await page.goto(`${dashboard.url}/admin/queues/queue/${encodeURIComponent(archiveQueueName(archiver.url))}?status=failed`, { waitUntil: 'domcontentloaded' });
    // The list names the delivery: category, destination and address, direction, testpoint, archiver.
    const title = `rtt → site-a (192.0.2.10) forward · tp1 → ${archiver.url}`;
    await expect.poll(() => page.getByText(title, { exact: true }).count(), { timeout: 10_000 }).toBeGreaterThan(0);
    await page.locator('a[href*="/delivery-1"]').first().click();
    await expect.poll(() => page.url(), { timeout: 10_000 }).toMatch(/\/delivery-1\b/);
    await expect.poll(() => page.getByText(/HTTP 400/).count(), { timeout: 10_000 }).toBeGreaterThan(0);
    await page.getByRole('tab', { name: 'Data' }).click();
    await expect.poll(() => page.getByRole('tab', { name: 'Data' }).getAttribute('aria-selected'), { timeout: 5000 }).toBe('true');
    await expect.poll(() => page.getByText('[REDACTED]').count(), { timeout: 5000 }).toBeGreaterThan(0);
    expect(await page.content()).not.toContain(TOKEN);
    mkdirSync(new URL('.', `file://${SCREENSHOT}`).pathname, { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    const before = (await archiveQueue.getJob('delivery-1'))!;
    expect(before.attemptsMade).toBe(1);
    // The job card's first action is Retry (an icon button); the dialog it opens names the action.
    await page.locator('button:has(svg.lucide-refresh-cw)').first().click();
    await expect.poll(() => page.getByText(/retry this job/i).count(), { timeout: 5000 }).toBeGreaterThan(0);
    await page.getByRole('button', { name: 'Confirm' }).click();

    // The archive worker picks it up again; the archiver now accepts it.
    await eventually(async () => (await archiveQueue.getJobState('delivery-1')) === 'completed', { what: 'retried delivery to complete' });
    const after = (await archiveQueue.getJob('delivery-1'))!;
    expect(after.attemptsMade).toBe(2);
    expect(archiver.acceptedPosts()).toBe(1);
  });
});
