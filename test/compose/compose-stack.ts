// `docker compose` as a user runs it, in a checkout of this repository with its .env: every command
// is printed as typed (the README's deployment section shows the same ones), and the containers'
// state is read with `docker inspect` (health status, exit code, stop times).
import { execa } from 'execa';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DockerDaemon } from './docker-daemon.js';

export interface ContainerState {
  readonly Status: string;
  readonly Running: boolean;
  readonly ExitCode: number;
  readonly StartedAt: string;
  readonly FinishedAt: string;
  readonly Health?: { readonly Status: string; readonly Log?: readonly { readonly ExitCode: number; readonly Output: string }[] };
}

/** Go duration text as compose prints it ("1m30s", "2m0s", "30s") → seconds. */
export function goDurationSeconds(text: string): number {
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s)?$/.exec(text.trim());
  if (m === null || text.trim() === '') throw new Error(`"${text}" is not a duration like 1m30s`);
  return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}

export class ComposeStack {
  constructor(
    private readonly daemon: DockerDaemon,
    readonly dir: string,
    readonly files: readonly string[],
    private readonly log: (line: string) => void,
  ) {}

  withFiles(files: readonly string[]): ComposeStack {
    return new ComposeStack(this.daemon, this.dir, files, this.log);
  }

  private argv(args: readonly string[]): string[] {
    return ['compose', ...this.files.flatMap((f) => ['-f', f]), ...args];
  }

  async run(args: readonly string[], opts: { quiet?: boolean; timeoutMs?: number } = {}): Promise<string> {
    const argv = this.argv(args);
    if (opts.quiet !== true) this.log(`$ docker ${argv.join(' ')}`);
    const r = await execa('/usr/bin/docker', argv, {
      cwd: this.dir,
      env: { ...process.env, ...this.daemon.env },
      timeout: opts.timeoutMs ?? 900_000,
      reject: false,
      all: true,
    });
    if (r.exitCode !== 0) {
      throw new Error(`docker ${argv.join(' ')} exited ${r.exitCode}:\n${String(r.all).split('\n').slice(-30).join('\n')}`);
    }
    return r.stdout;
  }

  async config(): Promise<{ services: Record<string, Record<string, unknown>> }> {
    return JSON.parse(await this.run(['config', '--format', 'json'], { quiet: true })) as { services: Record<string, Record<string, unknown>> };
  }

  async containerId(service: string): Promise<string> {
    const id = (await this.run(['ps', '-a', '-q', service], { quiet: true })).trim().split('\n')[0] ?? '';
    if (id === '') throw new Error(`compose service ${service} has no container`);
    return id;
  }

  async state(service: string): Promise<ContainerState> {
    const id = await this.containerId(service);
    return JSON.parse(await this.daemon.docker(['inspect', '--format', '{{json .State}}', id])) as ContainerState;
  }

  /** Waits until every service's own health check reports healthy; seconds from the call. */
  async waitHealthy(services: readonly string[], timeoutS: number): Promise<number> {
    const started = Date.now();
    const pending = new Set(services);
    let last = new Map<string, string>();
    while (pending.size > 0) {
      for (const s of [...pending]) {
        const st = await this.state(s).catch(() => null);
        const health = st?.Health?.Status ?? (st === null ? 'no container' : `${st.Status}, no health check`);
        last.set(s, health);
        if (health === 'healthy') pending.delete(s);
        if (st !== null && !st.Running && st.Status !== 'created') {
          throw new Error(`${s} is ${st.Status} (exit ${st.ExitCode}) while waiting for it to be healthy`);
        }
      }
      if (pending.size === 0) break;
      if (Date.now() - started > timeoutS * 1000) {
        const detail = [...pending].map((s) => `${s}: ${last.get(s)}`).join(', ');
        throw new Error(`not healthy within ${timeoutS} s: ${detail}\n${await this.diagnose([...pending])}`);
      }
      await sleep(500);
    }
    last = new Map();
    return (Date.now() - started) / 1000;
  }

  /** The last health check outputs and log lines of services that misbehave, for the failure message. */
  async diagnose(services: readonly string[]): Promise<string> {
    const out: string[] = [];
    for (const s of services) {
      const st = await this.state(s).catch(() => null);
      const checks = (st?.Health?.Log ?? []).slice(-2).map((l) => `exit ${l.ExitCode}: ${l.Output.trim().slice(0, 300)}`);
      const logs = await this.run(['logs', '--no-color', '--tail', '12', s], { quiet: true }).catch((e: unknown) => String(e));
      out.push(`--- ${s}: status ${st?.Status ?? '?'}, exit ${st?.ExitCode ?? '?'}; last health checks: ${checks.join(' | ') || 'none'}`);
      out.push(...logs.split('\n').map((l) => `    ${l.slice(0, 300)}`));
    }
    return out.join('\n');
  }

  async stopGraceSeconds(service: string): Promise<number> {
    const cfg = await this.config();
    const grace = cfg.services[service]?.stop_grace_period;
    return typeof grace === 'string' ? goDurationSeconds(grace) : 10;
  }
}
