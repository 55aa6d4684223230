// The test archiver (test/helpers/archiver-server.ts) listens on 127.0.0.1, which a container does not
// reach; compose's archive service reaches this host as host.docker.internal (host-gateway: the
// private daemon's bridge address). This relays that one address and port to the archiver, so the
// containers deliver to a real archiver the test reads in-process.
import { createConnection, createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface Relay {
  readonly port: number;
  close(): Promise<void>;
}

export async function startRelay(listenHost: string, targetPort: number): Promise<Relay> {
  const sockets = new Set<import('node:net').Socket>();
  const server: Server = createServer((inbound) => {
    const outbound = createConnection({ host: '127.0.0.1', port: targetPort });
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        inbound.destroy();
        outbound.destroy();
      });
    }
    inbound.pipe(outbound);
    outbound.pipe(inbound);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, listenHost, resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
