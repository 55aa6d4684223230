// psq acl [TESTPOINT...]: Redis ACL users for least privilege (src/queues/acl-rules.ts). The rules go to
// stdout, to be piped into redis-cli or saved as an aclfile; they hold password hashes only. Passwords
// made here go to stderr once, so redirecting stdout into Redis's configuration never stores them.
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Config } from '../../config/config.js';
import { aclFileLine, aclUsers, setUserLine } from '../../queues/acl-rules.js';
import type { AclArgs } from '../args.js';
import { fleetProblemsText, loadFleet } from '../read-fleet-file.js';

export async function aclCommand(config: Config, args: AclArgs | undefined): Promise<number> {
  const opts: AclArgs = args ?? { testpoints: [], format: 'setuser', passwordFile: null };
  let known: Map<string, string>;
  try {
    known = opts.passwordFile === null ? new Map() : parsePasswordFile(await readFile(opts.passwordFile, 'utf8'));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    process.stderr.write(`psq acl: --password-file ${opts.passwordFile}: ${e.code ? `cannot read it (${e.code})` : e.message}\n`);
    return 2;
  }
  // Without ids: every testpoint of FLEET_FILE, else TESTPOINT.
  let testpoints: readonly string[] = opts.testpoints;
  if (testpoints.length === 0) {
    const fleet = loadFleet(config);
    if (!fleet.ok) {
      process.stderr.write(`psq acl: ${fleetProblemsText(config.fleetFile, fleet.problems)}\n`);
      return 2;
    }
    testpoints = fleet.fleet.testpoints.map((t) => t.id);
  }
  const users = aclUsers({
    prefix: config.queuePrefix,
    testpoints,
    archiveUrls: config.archiveUrls,
  });
  const made: string[] = [];
  const lines = users.map((user) => {
    let password = known.get(user.name);
    if (password === undefined) {
      password = randomBytes(24).toString('base64url');
      made.push(`${user.name} ${password}`);
    }
    const hash = createHash('sha256').update(password).digest('hex');
    return opts.format === 'aclfile' ? aclFileLine(user, hash) : setUserLine(user, hash);
  });
  process.stdout.write(`${lines.join('\n')}\n`);
  if (made.length > 0) {
    process.stderr.write(
      `psq acl: new passwords (shown once; store them, e.g. in the file for --password-file, and give each ` +
        `process REDIS_URL=rediss://USER:PASSWORD@HOST:PORT):\n${made.join('\n')}\n`,
    );
  }
  return 0;
}

/** `USER PASSWORD` per line; blank lines and # comments skipped. */
export function parsePasswordFile(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const [user, password, ...rest] = line.split(/\s+/);
    if (user === undefined || password === undefined || rest.length > 0) throw new Error(`expected "USER PASSWORD" lines (a line has ${rest.length + (password ? 2 : 1)} words)`);
    out.set(user, password);
  }
  return out;
}
