// The result files a testpoint kept on its host volume, read back with the .json.meta beside each:
// the cron runner's file names (DESIGN.md, "Files on disk") and the run_id each was archived under.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ResultMeta } from '../../src/keep/result-meta.js';

export interface KeptResult {
  readonly category: string;
  readonly file: string;
  readonly meta: ResultMeta | null;
}

/** <name>@<dest>_<tool|auto>_<YYYYMMDD-HHMMSSZ>[-N]_<forward|reverse>.json, with : / @ | , in name and dest as _. */
export function cronRunnerFileName(name: string, dest: string): RegExp {
  const clean = (s: string): string => s.replace(/[:/@|,]/g, '_').replace(/[.*+?^$()|[\]\\{}]/g, '\\$&');
  return new RegExp(`^${clean(name)}@${clean(dest)}_[A-Za-z0-9-]+_\\d{8}-\\d{6}Z(-\\d+)?_(forward|reverse)\\.json$`);
}

export function keptResults(dataDir: string): KeptResult[] {
  const out: KeptResult[] = [];
  if (!existsSync(dataDir)) return out;
  for (const category of readdirSync(dataDir, { withFileTypes: true })) {
    if (!category.isDirectory()) continue;
    const dir = join(dataDir, category.name);
    for (const file of readdirSync(dir)) {
      if (!file.endsWith('.json')) continue;
      const metaPath = join(dir, `${file}.meta`);
      let meta: ResultMeta | null = null;
      try {
        meta = existsSync(metaPath) ? (JSON.parse(readFileSync(metaPath, 'utf8')) as ResultMeta) : null;
      } catch {
        meta = null; // written atomically, so a parse failure is a real defect: reported as "no meta"
      }
      out.push({ category: category.name, file, meta });
    }
  }
  return out.sort((a, b) => a.file.localeCompare(b.file));
}
