// Reads a docker-style .env file and layers the process environment over it (the I/O edge of config).
import { readFileSync } from 'node:fs';

import { parse } from 'dotenv';

/** Variables in the .env file at `path`; {} when there is no such file (the environment alone is enough). */
export function readEnvFile(path: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw err;
  }
  return parse(text);
}

/**
 * The file's variables overridden by the process environment, as docker compose does with env_file vs
 * environment: a variable set in the process wins even when it is empty.
 */
export function mergeEnv(
  fileEnv: Readonly<Record<string, string>>,
  processEnv: Readonly<Record<string, string | undefined>>,
): Record<string, string> {
  const merged: Record<string, string> = { ...fileEnv };
  for (const [name, value] of Object.entries(processEnv)) {
    if (value !== undefined) merged[name] = value;
  }
  return merged;
}
