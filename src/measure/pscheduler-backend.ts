// Measurements through `pscheduler task`: the tool writes the result file itself.
import { ToolNotFoundError } from '../errors.js';
import type { BackendOutcome, BackendRunContext, MeasureBackend } from './backend.js';
import { pschedulerArgs } from './pscheduler-args.js';
import { runTool } from './run-tool.js';
import type { MeasurementSpec } from '../plan/measurement-spec.js';

function tail(text: string, max = 2000): string {
  return text.length > max ? `…${text.slice(-max)}` : text;
}

/** `processEnv`: the environment psq was started with (Config.processEnv), for run-tool.ts. */
export function createPschedulerBackend(bin: string, processEnv: Readonly<Record<string, string | undefined>>): MeasureBackend {
  return {
    name: 'pscheduler',
    supports: () => ({ ok: true }),
    async run(spec: MeasurementSpec, ctx: BackendRunContext): Promise<BackendOutcome> {
      const argv = pschedulerArgs(spec, await ctx.outputFile(), ctx.source);
      const run = await runTool(bin, argv, { timeoutMs: ctx.timeoutMs, signal: ctx.signal, track: ctx.track, processEnv });
      if (run.notFound) return { kind: 'tool-missing', message: new ToolNotFoundError(bin).message };
      const diags = `${run.command}\n${tail(run.stderr)}`.trim();
      if (run.timedOut) return { kind: 'no-result', reason: `pscheduler timed out after ${ctx.timeoutMs} ms`, diags };
      if (run.canceled) return { kind: 'no-result', reason: 'pscheduler was cancelled (worker shutting down)', diags };
      if (run.exitCode !== 0) {
        const why = run.exitCode === null ? `was killed by ${run.signal}` : `exited ${run.exitCode}`;
        const msg = run.stderr.trim().split('\n').slice(-1)[0] ?? '';
        return { kind: 'no-result', reason: `pscheduler ${why}${msg ? `: ${msg}` : ''}`, diags };
      }
      return { kind: 'ran', diags };
    },
  };
}
