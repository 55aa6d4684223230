// The RESP2 reading and writing of redis-wire.ts (pure).
import { describe, expect, it } from 'vitest';
import { encodeCommand, parseReply, RedisReplyError } from '../../../src/queues/redis-wire.js';

const b = (s: string) => Buffer.from(s);

describe('RESP2', () => {
  it('encodes a command as an array of bulk strings, lengths in bytes', () => {
    expect(encodeCommand(['CLIENT', 'LIST'])).toBe('*2\r\n$6\r\nCLIENT\r\n$4\r\nLIST\r\n');
    expect(encodeCommand(['AUTH', 'pä'])).toBe('*2\r\n$4\r\nAUTH\r\n$3\r\npä\r\n');
  });

  it('parses each reply type and says where the next one starts', () => {
    expect(parseReply(b('+PONG\r\n'))).toEqual({ reply: 'PONG', next: 7 });
    expect(parseReply(b(':42\r\n'))).toEqual({ reply: 42, next: 5 });
    expect(parseReply(b('$-1\r\n'))).toEqual({ reply: null, next: 5 });
    expect(parseReply(b('$5\r\na\r\nbc\r\n'))).toEqual({ reply: 'a\r\nbc', next: 11 });
    expect(parseReply(b('*2\r\n$1\r\na\r\n:1\r\n'))).toEqual({ reply: ['a', 1], next: 15 });
    const err = parseReply(b('-WRONGPASS invalid username-password pair\r\n'))!.reply;
    expect(err).toBeInstanceOf(RedisReplyError);
    expect((err as Error).message).toBe('WRONGPASS invalid username-password pair');
  });

  it('waits for the rest of a reply split across reads', () => {
    expect(parseReply(b('$10\r\nid=1 na'))).toBeNull();
    expect(parseReply(b('*2\r\n+OK\r\n'))).toBeNull();
    expect(parseReply(b('+PO'))).toBeNull();
    expect(parseReply(b('+OK\r\n:1\r\n'), 5)).toEqual({ reply: 1, next: 9 });
  });

  it('refuses what is not RESP', () => {
    expect(() => parseReply(b('HTTP/1.1 400\r\n'))).toThrow(/Protocol error/);
  });
});
