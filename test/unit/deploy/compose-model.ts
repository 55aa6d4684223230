// What `docker compose` does with our compose files before it runs anything, redone in plain code so
// tests can check the result without a Docker engine: YAML (with anchors and << merge keys),
// ${VAR} interpolation (Compose Specification, "Interpolation"), and the merge of several -f files.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import { parse } from 'yaml';

export type Env = Readonly<Record<string, string | undefined>>;

export class InterpolationError extends Error {}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

/** Index of the `}` closing the `${` whose body starts at `from`. */
function closingBrace(text: string, from: number): number {
  let depth = 1;
  for (let i = from; i < text.length; i += 1) {
    if (text[i] === '$' && text[i + 1] === '$') i += 1;
    else if (text[i] === '$' && text[i + 1] === '{') {
      depth += 1;
      i += 1;
    } else if (text[i] === '}' && --depth === 0) return i;
  }
  throw new InterpolationError(`invalid interpolation format: unclosed "\${" in ${JSON.stringify(text)}`);
}

/**
 * Substitutes `$$`, `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}`, `${VAR?error}`,
 * `${VAR:+replacement}` and `${VAR+replacement}`, nested inside defaults as the spec allows. `:` forms
 * treat an empty value as unset. Unset variables without a default become "" and are added to `unset`
 * (compose warns "The X variable is not set"); a failed `?` throws InterpolationError with the message.
 */
export function interpolate(text: string, env: Env, unset: Set<string> = new Set()): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch !== '$') {
      out += ch;
      i += 1;
    } else if (text[i + 1] === '$') {
      out += '$';
      i += 2;
    } else if (text[i + 1] === '{') {
      const end = closingBrace(text, i + 2);
      out += braced(text.slice(i + 2, end), env, unset, text);
      i = end + 1;
    } else {
      const name = NAME.exec(text.slice(i + 1))?.[0];
      if (name === undefined) {
        throw new InterpolationError(`invalid interpolation format in ${JSON.stringify(text)}: write $$ for a literal $`);
      }
      const value = env[name];
      if (value === undefined) unset.add(name);
      out += value ?? '';
      i += 1 + name.length;
    }
  }
  return out;
}

function braced(body: string, env: Env, unset: Set<string>, whole: string): string {
  const name = NAME.exec(body)?.[0];
  if (name === undefined) throw new InterpolationError(`invalid interpolation format in ${JSON.stringify(whole)}`);
  const rest = body.slice(name.length);
  const value = env[name];
  const set = value !== undefined;
  const nonEmpty = set && value !== '';
  const op = /^(:-|:\?|:\+|-|\?|\+)?/.exec(rest)![0];
  const arg = rest.slice(op.length);
  const sub = () => interpolate(arg, env, unset);
  switch (op) {
    case '':
      if (arg !== '') throw new InterpolationError(`invalid interpolation format in ${JSON.stringify(whole)}`);
      if (!set) unset.add(name);
      return value ?? '';
    case ':-':
      return nonEmpty ? value : sub();
    case '-':
      return set ? value : sub();
    case ':?':
      if (!nonEmpty) throw new InterpolationError(`required variable ${name} is missing a value: ${sub()}`);
      return value;
    case '?':
      if (!set) throw new InterpolationError(`required variable ${name} is missing a value: ${sub()}`);
      return value;
    case ':+':
      return nonEmpty ? sub() : '';
    default: // '+'
      return set ? sub() : '';
  }
}

/** Interpolates every string value (not keys) of a parsed YAML tree; returns a new tree. */
export function interpolateTree(node: unknown, env: Env, unset: Set<string> = new Set()): unknown {
  if (typeof node === 'string') return interpolate(node, env, unset);
  if (Array.isArray(node)) return node.map((n) => interpolateTree(n, env, unset));
  if (node !== null && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, interpolateTree(v, env, unset)]));
  }
  return node;
}

/** Every variable name a text refers to (inside defaults too), `$$` excluded. */
export function referencedVariables(text: string): Set<string> {
  const names = new Set<string>();
  for (const m of text.matchAll(/\$(\$|\{([A-Za-z_][A-Za-z0-9_]*)|([A-Za-z_][A-Za-z0-9_]*))/g)) {
    const name = m[2] ?? m[3];
    if (name !== undefined) names.add(name);
  }
  return names;
}

const ROOT = new URL('../../../', import.meta.url);
export const repoPath = (rel: string): string => new URL(rel, ROOT).pathname;
export const readRepoFile = (rel: string): string => readFileSync(new URL(rel, ROOT), 'utf8');

export function parseComposeYaml(text: string): Record<string, unknown> {
  // Compose reads YAML 1.1-style merge keys (<<: *anchor).
  const doc: unknown = parse(text, { merge: true, maxAliasCount: 1000 });
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new Error('a compose file is a mapping');
  return doc as Record<string, unknown>;
}

/** Keys whose sequence an override replaces instead of extending (Compose Specification, "Merge"). */
const REPLACED_SEQUENCES = new Set(['command', 'entrypoint', 'test']);

/** `docker compose -f a -f b`: mappings merge key by key, most sequences append (without duplicates). */
export function mergeCompose(base: unknown, override: unknown, key = ''): unknown {
  if (Array.isArray(base) && Array.isArray(override)) {
    if (REPLACED_SEQUENCES.has(key)) return override;
    const seen = new Set(base.map((x) => JSON.stringify(x)));
    return [...base, ...override.filter((x) => !seen.has(JSON.stringify(x)))];
  }
  if (isMapping(base) && isMapping(override)) {
    const out: Record<string, unknown> = { ...base };
    for (const [k, v] of Object.entries(override)) out[k] = k in base ? mergeCompose(base[k], v, k) : v;
    return out;
  }
  return override;
}

function isMapping(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === 'object' && !Array.isArray(x);
}

export interface ComposeProject {
  readonly model: Record<string, unknown>;
  /** Variables used without a default and not set (compose would warn and use ""). */
  readonly unset: ReadonlySet<string>;
}

/** Loads, interpolates and merges compose files as `docker compose -f f1 -f f2 …` would. */
export function loadCompose(files: readonly string[], env: Env): ComposeProject {
  const unset = new Set<string>();
  let model: unknown = {};
  for (const f of files) model = mergeCompose(model, interpolateTree(parseComposeYaml(readRepoFile(f)), env, unset));
  return { model: model as Record<string, unknown>, unset };
}

export interface Service {
  readonly [key: string]: unknown;
  readonly environment?: Record<string, string>;
  readonly command?: string[];
  readonly ports?: string[];
  readonly volumes?: string[];
  readonly healthcheck?: { test: string[]; interval?: string; timeout?: string; retries?: number; start_period?: string };
  readonly depends_on?: Record<string, { condition: string }>;
}

export function services(project: ComposeProject): Record<string, Service> {
  return project.model['services'] as Record<string, Service>;
}

/** The Compose Specification JSON schema (compose-spec/compose-spec, as bundled with dclint). */
export function composeSchemaValidator(): (doc: unknown) => ErrorObject[] {
  const require = createRequire(import.meta.url);
  const schemaPath = join(dirname(require.resolve('dclint/package.json')), 'schemas', 'compose.schema.json');
  const schema = JSON.parse(readFileSync(schemaPath, 'utf8')) as Record<string, unknown>;
  // Written as https://json-schema.org/draft-07/schema, an id Ajv does not know; Ajv's default draft is 07.
  if (!String(schema['$schema']).includes('draft-07')) throw new Error(`compose schema is ${String(schema['$schema'])}, not draft-07`);
  delete schema['$schema'];
  const ajv = new Ajv({ allErrors: true, strict: false });
  const validate = ajv.compile(schema);
  return (doc) => (validate(doc) ? [] : [...(validate.errors ?? [])]);
}

/** A `.env` as compose and psq read it: NAME=value lines, # comments, no quotes needed. */
export function parseDotEnv(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (m) env[m[1]!] = m[2]!.trim();
  }
  return env;
}

/** Compose durations like 90s, 2m, 1m30s → seconds. */
export function durationSeconds(d: string): number {
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(d);
  if (!m || d === '') throw new Error(`not a duration: ${d}`);
  return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}
