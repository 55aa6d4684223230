// spec → the pScheduler argv, exactly as the cron runner built it. Pure; never a shell string.
import type { MeasurementSpec } from '../plan/measurement-spec.js';

/**
 * `pscheduler task [--tool T] --format json --output FILE TEST --dest D [--source S] [args] [--reverse]`
 * Task options must precede the test type; everything after it goes to the test.
 */
export function pschedulerArgs(spec: MeasurementSpec, outputFile: string, source: string | null): string[] {
  const argv = ['task'];
  if (spec.tool) argv.push('--tool', spec.tool);
  argv.push('--format', 'json', '--output', outputFile, spec.category, '--dest', spec.dest.ip);
  if (source) argv.push('--source', source);
  argv.push(...spec.args);
  if (spec.direction === 'reverse') argv.push('--reverse');
  return argv;
}
