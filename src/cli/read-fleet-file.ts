// Reads FLEET_FILE: the disk side of a fleet, kept at the CLI edge (the parsing is config/fleet-file.ts).
import { readFileSync } from 'node:fs';
import type { Config } from '../config/config.js';
import { configForTestpoint, findTestpoint, fleetFromConfig, type Fleet } from '../config/fleet.js';
import { fleetFormatFor, parseFleetFile, type FleetResult } from '../config/fleet-file.js';
import { formatProblem, type ConfigProblem } from '../errors.js';

/** The fleet file at `path` (relative to the working directory, like --env-file), or every problem in it. */
export function readFleetFile(path: string): FleetResult {
  const format = fleetFormatFor(path);
  if (format === null) return fileProblem(path, 'a fleet file ending in .yaml, .yml or .json (the extension says how to read it)');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'it does not exist' : e.code === 'EISDIR' ? 'it is a directory' : `cannot read it: ${e.code ?? e.message}`;
    return fileProblem(path, `a readable fleet file (${why})`);
  }
  return parseFleetFile(text, format, path);
}

/** The fleet this configuration plans: FLEET_FILE's, or the environment's fleet of one. */
export function loadFleet(config: Config): FleetResult {
  return config.fleetFile === null ? { ok: true, fleet: fleetFromConfig(config) } : readFleetFile(config.fleetFile);
}

export type TestpointConfig = { readonly ok: true; readonly config: Config; readonly fleet: Fleet } | { readonly ok: false; readonly problems: readonly ConfigProblem[]; readonly fleetFile: string | null };

/**
 * The configuration to run testpoint `id` of the fleet with (`--testpoint ID`). Without an id: the
 * environment's own testpoint, or the fleet's only one; a fleet of several needs the id.
 */
export function testpointConfigFrom(config: Config, id: string | null): TestpointConfig {
  const loaded = loadFleet(config);
  if (!loaded.ok) return { ok: false, problems: loaded.problems, fleetFile: config.fleetFile };
  const fleet = loaded.fleet;
  if (id === null) {
    if (fleet.testpoints.length === 1) return { ok: true, config: fleet.file === null ? config : configForTestpoint(config, fleet.testpoints[0]!), fleet };
    const ids = fleet.testpoints.map((t) => t.id).join(', ');
    return { ok: false, fleetFile: fleet.file, problems: [{ variable: '--testpoint', value: undefined, expected: `the testpoint to run (--testpoint ID): the fleet file ${fleet.file} has ${ids}` }] };
  }
  const found = findTestpoint(fleet, id);
  if (!found.ok) return { ok: false, problems: [found.problem], fleetFile: fleet.file };
  return { ok: true, config: fleet.file === null ? config : configForTestpoint(config, found.testpoint), fleet };
}

/** Problems of a fleet file as the CLI prints them: the file named once, then one line each. */
export function fleetProblemsText(file: string | null, problems: readonly ConfigProblem[]): string {
  const count = `${problems.length} problem${problems.length === 1 ? '' : 's'}`;
  const head = file === null ? `invalid configuration (${count}):` : `FLEET_FILE ${file}: not a usable fleet (${count}):`;
  return [head, ...problems.map((p) => `  ${formatProblem(p)}`)].join('\n');
}

function fileProblem(path: string, expected: string): FleetResult {
  return { ok: false, problems: [{ variable: 'FLEET_FILE', value: path, expected }] };
}
