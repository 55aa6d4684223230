// Docker Compose v2 (the Compose Specification: bookworm's docker-compose 1.29 rejects the top-level
// `name:`). Debian trixie's docker-compose package is one static binary: it is fetched with
// `apt-get download` through a private trixie source list (the host's apt state is untouched),
// unpacked with `dpkg-deb -x`, kept under CACHE, and installed as the docker CLI plugin of the
// private daemon's DOCKER_CONFIG, so the commands are the ones users type: `docker compose …`.
import { execa } from 'execa';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';

const SUITE = 'trixie';
const MIRROR = 'http://deb.debian.org/debian';
const KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';
const PLUGIN_IN_DEB = 'usr/libexec/docker/cli-plugins/docker-compose';

export async function ensureComposePlugin(cacheDir: string, dockerConfig: string, log: (line: string) => void): Promise<string> {
  const cached = join(cacheDir, 'docker-compose');
  if (!existsSync(cached)) {
    const apt = join(cacheDir, 'apt-trixie');
    mkdirSync(join(apt, 'lists', 'partial'), { recursive: true });
    mkdirSync(join(apt, 'cache', 'archives', 'partial'), { recursive: true });
    writeFileSync(join(apt, 'sources.list'), `deb [signed-by=${KEYRING}] ${MIRROR} ${SUITE} main\n`);
    const opts = [
      '-o', `Dir::Etc::SourceList=${join(apt, 'sources.list')}`,
      '-o', 'Dir::Etc::SourceParts=/dev/null',
      '-o', `Dir::State::Lists=${join(apt, 'lists')}`,
      '-o', `Dir::Cache=${join(apt, 'cache')}`,
      '-o', 'Dir::State::status=/dev/null',
      '-o', 'APT::Sandbox::User=root',
    ];
    log(`fetching docker-compose v2 from Debian ${SUITE} (apt-get download, private source list)`);
    await execa('apt-get', [...opts, '-qq', 'update']);
    await execa('apt-get', [...opts, '-qq', 'download', 'docker-compose'], { cwd: apt });
    const deb = readdirSync(apt).find((f) => f.startsWith('docker-compose_') && f.endsWith('.deb'));
    if (deb === undefined) throw new Error(`apt-get download docker-compose left no .deb in ${apt}`);
    const unpacked = join(apt, 'unpacked');
    await execa('dpkg-deb', ['-x', join(apt, deb), unpacked]);
    copyFileSync(join(unpacked, PLUGIN_IN_DEB), cached);
    chmodSync(cached, 0o755);
    rmSync(apt, { recursive: true, force: true });
  }
  const pluginDir = join(dockerConfig, 'cli-plugins');
  mkdirSync(pluginDir, { recursive: true });
  copyFileSync(cached, join(pluginDir, 'docker-compose'));
  chmodSync(join(pluginDir, 'docker-compose'), 0o755);
  const { stdout } = await execa(cached, ['version', '--short']);
  if (!/^v?2\./.test(stdout.trim())) throw new Error(`${cached} is Compose ${stdout.trim()}, expected v2`);
  return stdout.trim();
}
