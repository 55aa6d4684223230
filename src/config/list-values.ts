// Splits list-valued variables (ARCHIVE_URLS, TESTS, TOOLS): the cron runner's users mixed spaces, commas and semicolons.

/** Tokens of `raw` separated by any run of whitespace, `,` or `;`; empty tokens dropped. */
export function splitList(raw: string): string[] {
  return raw.split(/[\s,;]+/).filter((token) => token.length > 0);
}
