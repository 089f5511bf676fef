/**
 * The language every command speaks to the person at the computer: Japanese or English.
 *
 * Chosen, first match wins: the `--lang ja|en` option (main.ts calls useLanguage), the
 * `OMAMORI_LANG` environment variable, the `language` setting in $OMAMORI_HOME/settings.json
 * (`omamori settings --language ja`), then the computer's locale (LC_ALL, LC_MESSAGES, LANG starting
 * with "ja"). Everything a person reads goes through say() or lang(), so one run never mixes the two.
 */

export type Lang = "ja" | "en";
export const LANGS: readonly Lang[] = ["ja", "en"];

let chosen: Lang | null = null;

/** Sets (or, with null, clears) the language for the rest of this run. */
export function useLanguage(l: Lang | null): void {
  chosen = l;
}

/** "ja" / "en" / "japanese" ... as a Lang, or null when it names neither. */
export function parseLang(v: string | undefined): Lang | null {
  const t = (v ?? "").trim().toLowerCase();
  if (t === "ja" || t === "japanese" || t === "日本語") return "ja";
  if (t === "en" || t === "english") return "en";
  return null;
}

/** The computer's language from its locale variables. */
export function localeLang(env: NodeJS.ProcessEnv = process.env): Lang {
  const locale = env.LC_ALL || env.LC_MESSAGES || env.LANG || "";
  return locale.toLowerCase().startsWith("ja") ? "ja" : "en";
}

/** The language of this run. */
export function lang(env: NodeJS.ProcessEnv = process.env): Lang {
  return chosen ?? parseLang(env.OMAMORI_LANG) ?? localeLang(env);
}

export function japanese(): boolean {
  return lang() === "ja";
}

/** Picks the Japanese or English text. */
export function say(en: string, ja: string): string {
  return japanese() ? ja : en;
}
