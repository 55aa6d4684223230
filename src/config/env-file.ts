// A docker-style .env file's variables, and the process environment layered over them.
import { parse } from 'dotenv';

/** Variables of a docker-style .env text (dotenv's grammar). Pure: the file is read at the CLI edge. */
export function parseEnvText(text: string): Record<string, string> {
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
