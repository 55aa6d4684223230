// What a private dockerd changes on the host outside its own directories, read before it starts and
// compared after it stops: iptables (filter and nat, IPv4 and IPv6), the forwarding sysctls, and the
// cgroup directories its cgroupfs driver creates. Parsing is pure; reading runs iptables-save.
import { execa } from 'execa';
import { existsSync, readdirSync } from 'node:fs';

export interface IptablesTable {
  readonly policies: ReadonlyMap<string, string>;
  readonly userChains: readonly string[];
  readonly rules: readonly string[];
}

const BUILTIN_POLICY = 'ACCEPT';

/** iptables-save output → tables, without counters, comments or dates. */
export function parseIptablesSave(text: string): Map<string, IptablesTable> {
  const tables = new Map<string, { policies: Map<string, string>; userChains: string[]; rules: string[] }>();
  let current: { policies: Map<string, string>; userChains: string[]; rules: string[] } | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line === 'COMMIT') continue;
    if (line.startsWith('*')) {
      current = { policies: new Map(), userChains: [], rules: [] };
      tables.set(line.slice(1), current);
      continue;
    }
    if (current === undefined) continue;
    if (line.startsWith(':')) {
      const [name, policy] = line.slice(1).split(/\s+/);
      if (name === undefined) continue;
      if (policy === '-' || policy === undefined) current.userChains.push(name);
      else current.policies.set(name, policy);
    } else if (line.startsWith('-A ')) {
      current.rules.push(line);
    }
  }
  return tables;
}

/**
 * One line per fact, sorted, so two states compare as text. A table holding nothing but built-in
 * chains with ACCEPT policies is the same as no table (iptables-nft creates tables on first use).
 */
export function normaliseIptables(tables: ReadonlyMap<string, IptablesTable>): string[] {
  const facts: string[] = [];
  for (const [name, table] of tables) {
    const policies = [...table.policies].filter(([, p]) => p !== BUILTIN_POLICY).map(([c, p]) => `${name} policy ${c} ${p}`);
    facts.push(...policies, ...table.userChains.map((c) => `${name} chain ${c}`), ...table.rules.map((r) => `${name} ${r}`));
  }
  return facts.sort();
}

/** Whether an iptables rule or chain is one a dockerd on this bridge and address pool made. */
export function isDockerFact(text: string, bridge: string, pools: readonly string[]): boolean {
  return /\bDOCKER\b|DOCKER-/.test(text) || text.includes(bridge) || /\bbr-[0-9a-f]{12}\b/.test(text) || pools.some((p) => text.includes(p));
}

export type Family = 'ipv4' | 'ipv6';
const SAVE: Record<Family, string> = { ipv4: 'iptables-save', ipv6: 'ip6tables-save' };
const CTL: Record<Family, string> = { ipv4: 'iptables', ipv6: 'ip6tables' };

export async function readIptables(family: Family): Promise<Map<string, IptablesTable>> {
  const { stdout } = await execa(SAVE[family], []);
  return parseIptablesSave(stdout);
}

/**
 * Removes the rules and chains a dockerd made (see isDockerFact) and puts back the built-in
 * chains' policies as they were before it started (dockerd sets FORWARD to DROP).
 */
export async function removeDockerIptables(
  family: Family,
  before: ReadonlyMap<string, IptablesTable>,
  bridge: string,
  pools: readonly string[],
): Promise<void> {
  const now = await readIptables(family);
  for (const [name, table] of now) {
    for (const rule of table.rules) {
      const chain = rule.split(/\s+/)[1] ?? '';
      if (chain.startsWith('DOCKER') || !isDockerFact(rule, bridge, pools)) continue;
      await execa(CTL[family], ['-t', name, '-D', ...rule.split(/\s+/).slice(1)]);
    }
    const ours = table.userChains.filter((c) => isDockerFact(c, bridge, pools));
    for (const chain of ours) await execa(CTL[family], ['-t', name, '-F', chain]);
    for (const chain of ours) await execa(CTL[family], ['-t', name, '-X', chain]);
    for (const [chain, policy] of table.policies) {
      const was = before.get(name)?.policies.get(chain) ?? BUILTIN_POLICY;
      if (policy !== was) await execa(CTL[family], ['-t', name, '-P', chain, was]);
    }
  }
}

export const FORWARDING_SYSCTLS = ['/proc/sys/net/ipv4/ip_forward', '/proc/sys/net/ipv6/conf/all/forwarding'] as const;

/** cgroup directories named "docker" (dockerd's cgroupfs driver parent) in each mounted hierarchy. */
export function dockerCgroupDirs(): string[] {
  const root = '/sys/fs/cgroup';
  if (!existsSync(root)) return [];
  const dirs: string[] = [];
  if (existsSync(`${root}/docker`)) dirs.push(`${root}/docker`);
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    if (entry.isDirectory() && existsSync(`${root}/${entry.name}/docker`)) dirs.push(`${root}/${entry.name}/docker`);
  }
  return dirs;
}
