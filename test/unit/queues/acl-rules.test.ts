import { describe, expect, it } from 'vitest';
import { aclFileLine, aclUsers, setUserLine } from '../../../src/queues/acl-rules.js';
import { archiveQueueName } from '../../../src/queues/queue-names.js';
import { parsePasswordFile } from '../../../src/cli/commands/acl.js';
import { parseCliArgs } from '../../../src/cli/args.js';

const input = { prefix: 'psq', testpoints: ['ship-1', 'ship-10', 'ship-1'], archiveUrls: ['https://a.example/ps', 'https://b.example/ps'] };

describe('aclUsers', () => {
  const users = aclUsers(input);
  const byName = (name: string) => users.find((u) => u.name === name)!;

  it('one user per distinct testpoint, then scheduler, archive and dashboard', () => {
    expect(users.map((u) => u.name)).toEqual(['psq-tp-ship-1', 'psq-tp-ship-10', 'psq-scheduler', 'psq-archive', 'psq-dashboard']);
  });

  it("a testpoint reaches its own queues, every archive queue it feeds, its state and the shared leases — and nothing with another id", () => {
    const keys = byName('psq-tp-ship-1').keys;
    expect(keys).toEqual([
      '~psq:measure-ship-1', '~psq:measure-ship-1:*', '~psq:throughput-ship-1', '~psq:throughput-ship-1:*',
      `~psq:${archiveQueueName('https://a.example/ps')}`, `~psq:${archiveQueueName('https://a.example/ps')}:*`,
      `~psq:${archiveQueueName('https://b.example/ps')}`, `~psq:${archiveQueueName('https://b.example/ps')}:*`,
      '~psq:tp:ship-1:*', '~psq:lease:*',
    ]);
    // The ":" after the id keeps ship-1's patterns off ship-10's keys.
    expect(keys.join(' ')).not.toContain('ship-10');
    expect(keys.some((k) => k === '~psq:*' || k.includes('schedule'))).toBe(false);
  });

  it('central roles: the scheduler every testpoint queue (present and future), archive only archive queues, the dashboard the prefix', () => {
    expect(byName('psq-scheduler').keys).toEqual(['~psq:schedule', '~psq:schedule:*', '~psq:measure-*', '~psq:throughput-*', '%R~psq:tp:*']);
    expect(byName('psq-archive').keys).toEqual(['~psq:archive-*']);
    expect(byName('psq-dashboard').keys).toEqual(['~psq:*']);
  });

  it('commands: @dangerous off after the categories that would bring it in, only INFO, TIME and some CLIENT subcommands back; no SCAN but for the dashboard', () => {
    for (const u of users) {
      expect(u.commands[0]).toBe('-@all');
      const dangerous = u.commands.indexOf('-@dangerous');
      expect(dangerous).toBeGreaterThan(u.commands.lastIndexOf('+@write'));
      const readded = u.commands.slice(dangerous + 1).filter((c) => c.startsWith('+'));
      expect(readded).toEqual(['+info', '+time', '+client|setname', '+client|getname', '+client|id', '+client|list']);
      expect(u.commands.includes('-scan')).toBe(u.role !== 'dashboard');
    }
  });
});

describe('rule lines', () => {
  const [user] = aclUsers({ ...input, testpoints: ['x'] });
  it('SETUSER resets the user and holds only the password hash; the aclfile line is the same rules', () => {
    const hash = 'a'.repeat(64);
    const line = setUserLine(user!, hash);
    expect(line.startsWith(`ACL SETUSER psq-tp-x reset on #${hash} ~psq:measure-x `)).toBe(true);
    expect(line).toContain(' resetchannels -@all ');
    expect(aclFileLine(user!, hash)).toBe(line.replace(/^ACL SETUSER /, 'user '));
  });
});

describe('psq acl arguments and password file', () => {
  it('testpoint ids, --format and --password-file only with acl', () => {
    const p = parseCliArgs(['acl', 'ship-1', 'ship-2', '--format', 'aclfile', '--password-file', '/p']);
    expect(p.ok && p.args.acl).toEqual({ testpoints: ['ship-1', 'ship-2'], format: 'aclfile', passwordFile: '/p' });
    expect(parseCliArgs(['acl', 'ship:1'])).toMatchObject({ ok: false, error: expect.stringContaining('"ship:1": expected testpoint ids') });
    expect(parseCliArgs(['acl', '--format', 'json'])).toMatchObject({ ok: false, error: '--format "json": expected setuser or aclfile' });
    expect(parseCliArgs(['plan', '--format', 'aclfile']).ok).toBe(false);
    const plain = parseCliArgs(['plan']);
    expect(plain.ok && plain.args.acl).toBeUndefined();
  });

  it('reads USER PASSWORD lines, skipping blanks and comments; refuses other shapes', () => {
    expect(parsePasswordFile('# c\n\npsq-tp-a  pw1\npsq-scheduler pw2\n')).toEqual(new Map([['psq-tp-a', 'pw1'], ['psq-scheduler', 'pw2']]));
    expect(() => parsePasswordFile('psq-tp-a\n')).toThrow(/USER PASSWORD/);
    expect(() => parsePasswordFile('a b c\n')).toThrow(/USER PASSWORD/);
  });
});
