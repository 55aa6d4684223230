// Why a TLS connection to Redis was cut off. With TLS 1.3 a server checks the client's certificate
// only after the client considers the handshake done; the client has usually sent its first command
// by then, so the server's alert ("certificate required", "unknown ca") is lost in a connection reset
// (seen in about two of three tries against redis-server 7). A second handshake that sends nothing
// and only listens hears the alert itself.
import { connect, type ConnectionOptions } from 'node:tls';
import type { RedisOptions } from 'bullmq';

/** The TLS error the server answers a silent handshake with; null when it answers none within `ms`. */
export function tlsAlertAfterHandshake(options: RedisOptions, ms = 1500): Promise<unknown> {
  const o = options as { host?: string; port?: number; tls?: ConnectionOptions };
  if (o.tls === undefined) return Promise.resolve(null);
  return new Promise((resolve) => {
    const socket = connect({ ...o.tls, host: o.host ?? '127.0.0.1', port: o.port ?? 6379 });
    const done = (value: unknown) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(value);
    };
    const timer = setTimeout(() => done(null), ms);
    socket.on('data', () => undefined);
    socket.once('error', (err) => done(err));
    socket.once('close', () => done(null));
  });
}
