// One short conversation with Redis on a socket of our own (node:net, or node:tls for rediss://):
// AUTH and SELECT as REDIS_URL says, then the given commands, then gone. For the checks that run
// before any queue is opened and for `psq health` (every 30 s per container): loading ioredis and
// bullmq for a PING and a CLIENT LIST cost several times a bare `node` start-up in module evaluation.
// RESP2 request/reply in order; no reconnects, no retries; bounded by one deadline.
import { connect as netConnect, type Socket } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import type { RedisOptions } from 'bullmq';

/** An error reply from the server ("WRONGPASS …", "NOPERM …"), as ioredis's ReplyError carries it: the text is the message. */
export class RedisReplyError extends Error {
  override readonly name = 'ReplyError';
}

export type RedisReply = string | number | null | RedisReplyError | RedisReply[];

/** What a reply parser found at `offset`: the reply and where the next one starts, or null while incomplete. */
type Parsed = { reply: RedisReply; next: number } | null;

/** Pure: one RESP2 reply from `buf` at `offset`. */
export function parseReply(buf: Buffer, offset = 0): Parsed {
  if (offset >= buf.length) return null;
  const eol = buf.indexOf('\r\n', offset);
  if (eol < 0) return null;
  const type = String.fromCharCode(buf[offset]!);
  const line = buf.toString('utf8', offset + 1, eol);
  const after = eol + 2;
  switch (type) {
    case '+':
      return { reply: line, next: after };
    case '-':
      return { reply: new RedisReplyError(line), next: after };
    case ':':
      return { reply: Number(line), next: after };
    case '$': {
      const len = Number(line);
      if (len < 0) return { reply: null, next: after };
      if (buf.length < after + len + 2) return null;
      return { reply: buf.toString('utf8', after, after + len), next: after + len + 2 };
    }
    case '*': {
      const count = Number(line);
      if (count < 0) return { reply: null, next: after };
      const items: RedisReply[] = [];
      let at = after;
      for (let i = 0; i < count; i++) {
        const item = parseReply(buf, at);
        if (item === null) return null;
        items.push(item.reply);
        at = item.next;
      }
      return { reply: items, next: at };
    }
    default:
      throw Object.assign(new Error(`Protocol error: unexpected reply type ${JSON.stringify(type)}`), { code: 'EPROTO' });
  }
}

/** Pure: a command in RESP2 (an array of bulk strings). */
export function encodeCommand(args: readonly string[]): string {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
}

/**
 * A password given to a server that has none: ioredis warns and carries on, and so do we (the
 * connection works; the operator will notice when a password is set).
 */
function isNoPasswordSet(err: RedisReplyError): boolean {
  return /no password is set|without any password configured/i.test(err.message);
}

/**
 * Connects as `options` say (host and port or a unix path, TLS with its CA and client certificate,
 * user and password, database), runs `commands` in order and returns their replies (an error reply
 * comes back as a RedisReplyError value). Throws what stopped the conversation: a socket error (its
 * errno code, e.g. ECONNREFUSED), a refused AUTH or SELECT (RedisReplyError), "Connection is closed."
 * or, after `timeoutMs`, an ETIMEDOUT error.
 */
export async function askRedis(options: RedisOptions, commands: readonly (readonly string[])[], timeoutMs: number): Promise<RedisReply[]> {
  const o = options as { host?: string; port?: number; path?: string; username?: string; password?: string; db?: number; tls?: ConnectionOptions };
  const preamble: string[][] = [];
  if (o.password) preamble.push(o.username ? ['AUTH', o.username, o.password] : ['AUTH', o.password]);
  if (o.db !== undefined && o.db > 0) preamble.push(['SELECT', String(o.db)]);
  const all = [...preamble, ...commands];
  // node:tls only for rediss://: it is a noticeable part of a plain health check's start-up otherwise.
  const socket: Socket =
    o.tls !== undefined
      ? (await import('node:tls')).connect({ ...o.tls, host: o.host ?? '127.0.0.1', port: o.port ?? 6379 })
      : o.path !== undefined
        ? netConnect({ path: o.path })
        : netConnect({ host: o.host ?? '127.0.0.1', port: o.port ?? 6379 });
  return new Promise<RedisReply[]>((resolve, reject) => {
    const replies: RedisReply[] = [];
    let buf: Buffer = Buffer.alloc(0);
    let settled = false;
    const finish = (err: unknown, value?: RedisReply[]) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (err === null) resolve(value!);
      else reject(err);
    };
    const timer = setTimeout(() => finish(Object.assign(new Error(`Redis did not answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })), timeoutMs);
    socket.once(o.tls !== undefined ? 'secureConnect' : 'connect', () => socket.write(all.map(encodeCommand).join('')));
    socket.on('data', (chunk: Buffer) => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      try {
        for (;;) {
          const parsed = parseReply(buf);
          if (parsed === null) break;
          buf = buf.subarray(parsed.next);
          const i = replies.length;
          replies.push(parsed.reply);
          if (i < preamble.length && parsed.reply instanceof RedisReplyError && !(preamble[i]![0] === 'AUTH' && isNoPasswordSet(parsed.reply))) {
            finish(parsed.reply);
            return;
          }
          if (replies.length === all.length) {
            finish(null, replies.slice(preamble.length));
            return;
          }
        }
      } catch (err) {
        finish(err);
      }
    });
    // `on`: a TLS alert can be followed by a reset; the first error is the answer.
    socket.on('error', (err) => finish(err));
    socket.once('close', () => finish(new Error('Connection is closed.')));
  });
}
