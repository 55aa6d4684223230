// The test archiver as its own process, for running inside a lab namespace (whose loopback the
// test process cannot reach). Usage: archiver-process.ts PORT TOKEN OUT.json — it prints
// "listening <url>" once up, and on SIGTERM writes what it received to OUT.json and exits.
import { writeFileSync } from 'node:fs';
import { startArchiverServer } from './archiver-server.js';

const [portArg, token, out] = process.argv.slice(2);
const server = await startArchiverServer({ port: Number(portArg), token: token ?? null });
process.stdout.write(`listening ${server.url}\n`);
process.on('SIGTERM', () => {
  writeFileSync(out!, JSON.stringify({ requests: server.requests, records: [...server.records.values()] }));
  void server.close().then(() => process.exit(0));
});
