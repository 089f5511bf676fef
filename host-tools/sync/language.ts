/** User-facing words for the sync commands: Japanese when LANG/LC_ALL starts with "ja", English otherwise. */

export function japanese(env: NodeJS.ProcessEnv = process.env): boolean {
  const lang = env.LC_ALL || env.LANG || "";
  return lang.toLowerCase().startsWith("ja");
}

/** Picks the Japanese or English text. */
export function say(en: string, ja: string, env: NodeJS.ProcessEnv = process.env): string {
  return japanese(env) ? ja : en;
}
