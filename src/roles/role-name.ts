// The long-running roles a psq process can run. Pure.
export const ROLES = ['scheduler', 'measure', 'archive', 'dashboard', 'responder'] as const;
export type RoleName = (typeof ROLES)[number];
