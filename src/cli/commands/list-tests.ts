// psq list-tests: the categories and their tools. Imports nothing else, so it starts at once.
import { CATEGORIES, CATEGORY_INFO } from '../../plan/categories.js';

export function listTests(): string {
  return CATEGORIES.map((c) => {
    const info = CATEGORY_INFO[c];
    const reverse = info.reverseTools.length > 0 ? `reverse with ${info.reverseTools.join(', ')}` : 'no reverse';
    return `${c.padEnd(11)} tools: ${info.tools.join(', ').padEnd(28)} auto: ${(info.autoTool ?? '(pScheduler picks)').padEnd(19)} ${reverse}`;
  }).join('\n');
}
