// Reads the .env file (--env-file or ./.env): the disk side of configuration, kept at the CLI edge.
import { readFileSync } from 'node:fs';
import { parseEnvText } from '../config/env-file.js';

/** Variables in the .env file at `path`; {} when there is no such file (the environment alone is enough). */
export function readEnvFile(path: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw err;
  }
  return parseEnvText(text);
}

