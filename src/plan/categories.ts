// The measurement categories and their tools, as the cron runner (and pScheduler) know them.

export const CATEGORIES = ['latency', 'rtt', 'throughput', 'trace', 'mtu', 'clock'] as const;
export type Category = (typeof CATEGORIES)[number];

export const DIRECTIONS = ['forward', 'reverse'] as const;
export type Direction = (typeof DIRECTIONS)[number];

export interface CategoryInfo {
  /** Tools pScheduler offers for this test, in the cron runner's order. */
  readonly tools: readonly string[];
  /** Tool the cron runner forces in `auto` mode; null lets pScheduler pick. */
  readonly autoTool: string | null;
  /** Tools that really measure the reverse path when given `--reverse`. */
  readonly reverseTools: readonly string[];
  /** Whether a reverse run is possible when pScheduler picks the tool. */
  readonly reverseWhenAuto: boolean;
  /** Why a tool of this category gets no reverse run (shown in the plan). */
  readonly noReverseReason: Readonly<Record<string, string>>;
}

export const CATEGORY_INFO: Readonly<Record<Category, CategoryInfo>> = {
  latency: {
    tools: ['owping', 'twping', 'halfping'],
    autoTool: 'halfping',
    reverseTools: ['twping'],
    reverseWhenAuto: false,
    noReverseReason: {
      owping: 'owping ignores --reverse, so a reverse run would measure the forward path again',
      halfping: 'halfping declines --reverse (pScheduler would reject the task)',
    },
  },
  rtt: { tools: ['ping', 'tcpping'], autoTool: null, reverseTools: [], reverseWhenAuto: false, noReverseReason: {} },
  throughput: {
    tools: ['iperf3'],
    autoTool: 'iperf3',
    reverseTools: ['iperf3'],
    reverseWhenAuto: true,
    noReverseReason: {},
  },
  trace: { tools: ['traceroute', 'tracepath'], autoTool: null, reverseTools: [], reverseWhenAuto: false, noReverseReason: {} },
  mtu: { tools: ['fwmtu'], autoTool: null, reverseTools: [], reverseWhenAuto: false, noReverseReason: {} },
  clock: { tools: ['psclock'], autoTool: null, reverseTools: [], reverseWhenAuto: false, noReverseReason: {} },
};

export const ALL_TOOLS: readonly string[] = CATEGORIES.flatMap((c) => CATEGORY_INFO[c].tools);

export function isCategory(value: string): value is Category {
  return (CATEGORIES as readonly string[]).includes(value);
}

export function categoryOfTool(tool: string): Category | undefined {
  return CATEGORIES.find((c) => CATEGORY_INFO[c].tools.includes(tool));
}
