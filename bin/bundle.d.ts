/** bin/bundle.js: the bundled command path when current, else null. */
export function currentBundle(root: string): string | null;
