// Runs the real `psq` command (bin/psq.js, which runs the compiled dist/) as a child process, the
// way a user does. Importing this module brings dist/ up to date first (helpers/build.ts).
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { ensureBuilt } from './build.js';

ensureBuilt();
export const PSQ_BIN = fileURLToPath(new URL('../../bin/psq.js', import.meta.url));

export interface PsqRun {
  readonly exitCode: number | undefined;
  readonly stdout: string;
  readonly stderr: string;
}

export async function runPsq(args: string[], env: Record<string, string | undefined>, options: { cwd?: string; nodeBinary?: string; timeoutMs?: number } = {}): Promise<PsqRun> {
  const r = await execa(options.nodeBinary ?? process.execPath, [PSQ_BIN, ...args], {
    env,
    extendEnv: false,
    reject: false,
    cwd: options.cwd,
    timeout: options.timeoutMs ?? 120_000,
  });
  return { exitCode: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
}
