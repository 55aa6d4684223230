// The test archiver as its own process: for running inside a lab namespace (whose loopback the
// test process cannot reach), and for benchmarks, where its CPU must not count as the sender's.
// Usage: archiver-process.ts PORT TOKEN OUT.json [--lean] [--latency-ms N] — it prints
// "listening <url>" once up, and on SIGTERM writes what it received to OUT.json and exits
// (with --lean only the counts: {accepted, received}; see ArchiverServerOptions.lean).
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startArchiverServer } from './archiver-server.js';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { lean: { type: 'boolean', default: false }, 'latency-ms': { type: 'string', default: '0' } },
});
const [portArg, token, out] = positionals;
const lean = values.lean === true;
const server = await startArchiverServer({ port: Number(portArg), token: token ?? null, lean, latencyMs: Number(values['latency-ms']) });
process.stdout.write(`listening ${server.url}\n`);
process.on('SIGTERM', () => {
  const received = lean
    ? { accepted: server.acceptedPosts(), received: server.requestCount() }
    : { requests: server.requests, records: [...server.records.values()] };
  writeFileSync(out!, JSON.stringify(received));
  void server.close().then(() => process.exit(0));
});
