/**
 * Settings of this computer's omamori that are not about checking (check.json holds those):
 *
 *   $OMAMORI_HOME/settings.json   { "language": "ja" | "en" }     written by `omamori settings`
 *
 * A missing file means no setting. A damaged one is kept aside (never deleted) and ignored, with a
 * warning, so a bad settings file never stops a sync or a check.
 */
import { join } from "node:path";
import { readJsonFile, writeFileAtomic, keepAside } from "./atomicFile";
import { parseLang, type Lang } from "./language";

export const SETTINGS_FILE = "settings.json";

export interface HostSettings {
  language?: Lang;
}

export function settingsPath(home: string): string {
  return join(home, SETTINGS_FILE);
}

/** The settings, and a warning when the file was damaged and has been kept aside. */
export async function readHostSettings(home: string): Promise<{ settings: HostSettings; warning?: string }> {
  const path = settingsPath(home);
  let doc: unknown;
  try {
    doc = await readJsonFile(path);
  } catch (e) {
    if (!(e instanceof TypeError)) return { settings: {} }; // unreadable (permissions): no settings
    const aside = await keepAside(path);
    return { settings: {}, warning: `${path} was damaged; it was kept as ${aside} and the computer's language is used` };
  }
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) return { settings: {} };
  const lang = parseLang((doc as { language?: string }).language);
  return { settings: lang ? { language: lang } : {} };
}

export async function writeHostSettings(home: string, s: HostSettings): Promise<void> {
  await writeFileAtomic(settingsPath(home), JSON.stringify(s, null, 1) + "\n");
}
