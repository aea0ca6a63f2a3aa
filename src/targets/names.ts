import path from 'node:path';

// Apart from the targets themselves, so that the command line can name them without loading their clients.

export const TARGET_NAMES = ['local', 'autumn', 'owostack'] as const;
export type TargetName = (typeof TARGET_NAMES)[number];

/** The default local state file. */
export const DEFAULT_LOCAL_STATE = path.join('.tollgate', 'local', 'state.json');
