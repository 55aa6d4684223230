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
    // `on`, not `once`: a server's alert can be followed by a reset, and a second 'error' event with
    // no listener left would crash the process instead of being the answer already given.
    socket.on('error', (err) => done(err));
    socket.once('close', () => done(null));
  });
}

/**
 * Whether the server takes this TLS configuration at all, asked on a socket of our own before
 * ioredis connects: null when it answers a PING (with +PONG or -NOAUTH, either way TLS is fine),
 * else the error it cut the connection with. ioredis listens for one 'error' per socket, and a
 * refused client certificate can bring two (the alert, then a reset): the second would crash the
 * process instead of becoming a one-line answer.
 */
export function tlsRefusal(options: RedisOptions, ms: number): Promise<unknown> {
  const o = options as { host?: string; port?: number; tls?: ConnectionOptions };
  if (o.tls === undefined) return Promise.resolve(null);
  return new Promise((resolve) => {
    const socket = connect({ ...o.tls, host: o.host ?? '127.0.0.1', port: o.port ?? 6379 });
    let answered = false;
    const done = (value: unknown) => {
      clearTimeout(timer);
      socket.destroy();
      if (!answered) resolve(value);
      answered = true;
    };
    const timer = setTimeout(() => done(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })), ms);
    socket.once('secureConnect', () => socket.write('PING\r\n'));
    socket.on('data', () => done(null));
    socket.on('error', (err) => done(err));
    socket.once('close', () => done(Object.assign(new Error('Connection is closed.'), { code: 'ECONNRESET' })));
  });
}
