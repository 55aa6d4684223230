// One keep-alive undici Agent per archiver origin, with the configured timeouts and TLS trust.
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as tls from 'node:tls';
import { Agent, type Dispatcher } from 'undici';
import { settlesWithin } from '../async.js';
import type { Config } from '../config/config.js';
import type { Logger } from '../logger.js';

export type DispatcherConfig = Pick<Config, 'archiveTimeoutMs' | 'archiveCaFile' | 'archiveInsecureTls'>;

export interface ArchiveDispatchers {
  /** The dispatcher for the archiver at `url` (any URL on that origin). */
  get(url: string): Dispatcher;
  /** Closes every agent; idempotent; in-flight requests get `graceMs` before sockets are destroyed. */
  close(graceMs?: number): Promise<void>;
}

export interface DispatcherOptions {
  readonly logger?: Logger;
  /** For tests; default fs.readFileSync. */
  readonly readFile?: (path: string) => string | Buffer;
}

/**
 * The CAs Node trusts by default. Node ≥ 22.15 (production runs 24) reports them with
 * getCACertificates, NODE_EXTRA_CA_CERTS included; Node 20 only has the bundled Mozilla list, so
 * there an extra CA from NODE_EXTRA_CA_CERTS must also go into ARCHIVE_CA_FILE.
 */
function defaultCertificates(): readonly string[] {
  const get = (tls as { getCACertificates?: (type?: string) => string[] }).getCACertificates;
  return typeof get === 'function' ? get('default') : tls.rootCertificates;
}

export function createArchiveDispatchers(config: DispatcherConfig, options: DispatcherOptions = {}): ArchiveDispatchers {
  const connect: Record<string, unknown> = { timeout: config.archiveTimeoutMs };
  if (config.archiveCaFile !== null) {
    // Read once at start so a bad path is a startup error, not a retry loop. `ca` replaces Node's
    // default roots, so add them back: public archivers must keep working next to the private CA.
    let pem: string;
    try {
      pem = (options.readFile ?? readFileSync)(config.archiveCaFile).toString();
    } catch (err) {
      throw new Error(`ARCHIVE_CA_FILE=${config.archiveCaFile}: cannot read the file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
    if (blocks.length === 0) {
      throw new Error(`ARCHIVE_CA_FILE=${config.archiveCaFile}: no PEM certificate found in the file`);
    }
    // Node silently ignores a garbled certificate; parse each one so that is a startup error too.
    for (const [i, block] of blocks.entries()) {
      try {
        new X509Certificate(block);
      } catch (err) {
        throw new Error(`ARCHIVE_CA_FILE=${config.archiveCaFile}: certificate ${i + 1} is not valid PEM (${(err as Error).message})`);
      }
    }
    connect.ca = [...defaultCertificates(), pem];
  }
  if (config.archiveInsecureTls) {
    connect.rejectUnauthorized = false;
    options.logger?.warn(
      { archiveInsecureTls: true },
      'TLS verification to archivers is OFF (ARCHIVE_INSECURE_TLS): anyone on the path can read the token',
    );
  }

  const agents = new Map<string, Agent>();
  // The agent for each URL asked about: every delivery asks, and finding the origin parses the URL.
  // Bounded by archivers × categories (the URLs workers send to); the cap guards against more.
  const byUrl = new Map<string, Agent>();
  let closing: Promise<void> | null = null;

  return {
    get(url: string): Dispatcher {
      if (closing !== null) throw new Error('archive dispatchers are closed');
      const known = byUrl.get(url);
      if (known !== undefined) return known;
      const origin = new URL(url).origin;
      let agent = agents.get(origin);
      if (agent === undefined) {
        // One pool per origin, with undici's default of unlimited connections: ARCHIVE_CONCURRENCY
        // requests to one archiver run side by side, each on a keep-alive connection of its own.
        agent = new Agent({
          connect,
          headersTimeout: config.archiveTimeoutMs,
          bodyTimeout: config.archiveTimeoutMs,
        });
        agents.set(origin, agent);
      }
      if (byUrl.size >= 1024) byUrl.clear();
      byUrl.set(url, agent);
      return agent;
    },
    close(graceMs = 5_000): Promise<void> {
      closing ??= (async () => {
        await Promise.all(
          [...agents.values()].map(async (agent) => {
            // close() waits for in-flight requests, which a stalled archiver may never finish.
            try {
              if (!(await settlesWithin(agent.close(), graceMs))) await agent.destroy();
            } catch (err) {
              options.logger?.warn({ err }, 'closing an archiver connection pool failed');
            }
          }),
        );
        agents.clear();
        byUrl.clear();
      })();
      return closing;
    },
  };
}
