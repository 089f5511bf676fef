/**
 * The three answers of `omamori check` (docs/MATCHING.md "Verdicts"), never a reassurance
 * without evidence (docs/spec/cocoa-promises.md "The lesson from COCOA's failure"):
 *
 *   contact         a risky day was found (whatever else is missing: a contact found is real);
 *   no-contact      none was found, the keys are fresh, the token's log covers the days checked
 *                   recently enough, and nothing failed;
 *   could-not-tell  otherwise, with every reason and, for each, the one thing to do.
 *
 * Exit codes: 0 no contact, 3 contact, 4 could not tell (host-tools/cli/main.ts).
 */
import type { Lang } from "../base/language";
import { localTime } from "../base/time";

export type VerdictKind = "contact" | "no-contact" | "could-not-tell";

/** Why the check could not tell, most important first (this order). */
const REASON_CODES = [
  "home-not-writable", "settings-missing", "settings-invalid", "no-key-source",
  "key-source-missing", "key-source-unreachable", "key-file-unverified", "key-file-damaged",
  "keys-never-fetched", "keys-stale",
  "no-token", "pairing-lost", "never-synced", "log-damaged", "state-damaged", "sync-stale", "not-covered", "match-failed",
] as const;
export type ReasonCode = (typeof REASON_CODES)[number];

export interface Reason {
  code: ReasonCode;
  /** The file, folder or address the reason is about. */
  subject?: string;
  /** The settings file (for reasons about a key source). */
  settingsPath?: string;
  tokenId?: string;
  /** ISO time of the last key fetch or sync. */
  at?: string;
  /** Age of the keys or of the last sync, hours; the limit. */
  ageHours?: number;
  maxHours?: number;
  /** settings-invalid: the setting at fault, a likely intended name, and what is wrong. */
  setting?: string;
  suggestion?: string;
  problem?: "not-json" | "not-object" | "unknown-setting" | "bad-value";
  /** Days in the period checked (not-covered). */
  days?: number;
  /** Technical detail, in English (shown in the English text and in --json). */
  detail?: string;
}

export interface Verdict {
  kind: VerdictKind;
  reasons: Reason[];
}

const EXIT: Record<VerdictKind, number> = { "no-contact": 0, contact: 3, "could-not-tell": 4 };

export function exitCodeOf(kind: VerdictKind): number {
  return EXIT[kind];
}

/** Reasons in order of importance, without repeats. */
export function sortReasons(reasons: Reason[]): Reason[] {
  const seen = new Set<string>();
  return reasons
    .filter((r) => {
      const k = JSON.stringify(r);
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    })
    .sort((a, b) => REASON_CODES.indexOf(a.code) - REASON_CODES.indexOf(b.code));
}

/** The verdict for one token: `riskyDays` from matching (null when it could not be done). */
export function decide(riskyDays: number | null, reasons: Reason[]): Verdict {
  const r = sortReasons(reasons);
  if (riskyDays !== null && riskyDays > 0) return { kind: "contact", reasons: r };
  if (r.length || riskyDays === null) return { kind: "could-not-tell", reasons: r };
  return { kind: "no-contact", reasons: [] };
}

/** The answer over several tokens: any contact, else any could-not-tell, else no contact. */
export function overall(kinds: VerdictKind[]): VerdictKind {
  if (kinds.includes("contact")) return "contact";
  if (kinds.length === 0 || kinds.includes("could-not-tell")) return "could-not-tell";
  return "no-contact";
}

function age(hours: number, lang: Lang): string {
  const h = Math.round(hours);
  if (h < 48) return lang === "ja" ? `${h}時間` : `${h} ${h === 1 ? "hour" : "hours"}`;
  const d = Math.floor(hours / 24);
  return lang === "ja" ? `${d}日` : `${d} days`;
}

const SYNC_CMD = (id: string) => `npx omamori sync --token ${id}`;

/** Why, and the one thing to do, in plain words. */
export function reasonText(r: Reason, lang: Lang): { why: string; todo: string } {
  const ja = lang === "ja";
  const s = r.subject ?? "";
  const id = r.tokenId ?? "";
  const cfg = r.settingsPath ?? "check.json";
  const at = r.at ? localTime(r.at, lang) : "";
  const t = (en: [string, string], jp: [string, string]) => (ja ? { why: jp[0], todo: jp[1] } : { why: en[0], todo: en[1] });
  const checkAgainOnline: [string, string] = ["Connect to the internet, then check again (without --offline).", "インターネットにつないでから、もう一度確認してください（--offline は付けません）。"];
  const syncFirst: [string, string] = [
    `Press the token's button, then sync it (${SYNC_CMD(id)}), then check again.`,
    `お守りのボタンを押して同期してから（${SYNC_CMD(id)}）、もう一度確認してください。`,
  ];
  switch (r.code) {
    case "home-not-writable":
      return t(
        [`The data folder ${s} cannot be written${r.detail ? " (" + r.detail + ")" : ""}, so new keys cannot be fetched and this check cannot be saved.`,
          "Make the folder writable, or set OMAMORI_HOME to a folder you can write, then check again."],
        [`データのフォルダー ${s} に書き込めないため、新しい鍵を取得できず、確認の結果も保存できません。`,
          "フォルダーを書き込めるようにするか、書き込めるフォルダーを OMAMORI_HOME に指定してから、もう一度確認してください。"]);
    case "settings-missing":
      return t(
        [`There is no settings file ${s}, so this computer does not know where to get the keys of people who tested positive.`,
          `Add a key source: create ${s} with "keySources", the address your health authority gives (docs/MATCHING.md, "check.json"), then check again.`],
        [`設定ファイル ${s} がないため、陽性者の鍵をどこから取得するか分かりません。`,
          `鍵の取得元を設定してください。${s} を作り、"keySources" に保健所などから知らされた取得元を書いてから（docs/MATCHING.md の「check.json」）、もう一度確認してください。`]);
    case "settings-invalid": {
      const whatJa = r.problem === "not-json" ? "JSON の形式になっていません。"
        : r.problem === "not-object" ? "中身が { } で囲まれた設定の形になっていません。"
        : r.problem === "unknown-setting" ? `"${r.setting}" という設定はありません。` + (r.suggestion ? `"${r.suggestion}" のことですか？` : "")
        : `"${r.setting}" の値が正しくありません。`;
      return t(
        [`The settings file ${s} has a problem: ${r.detail ?? "it cannot be used"}.`, `Correct ${s} (docs/MATCHING.md, "check.json", lists every setting), then check again.`],
        [`設定ファイル ${s} に誤りがあります。${whatJa}`, `${s} を直してから（設定の一覧は docs/MATCHING.md の「check.json」にあります）、もう一度確認してください。`]);
    }
    case "no-key-source":
      return t(
        [`No key source is set in ${cfg}, so the keys of people who tested positive cannot be fetched.`,
          `Add a key source: put the address your health authority gives in "keySources" in ${cfg}, then check again.`],
        [`${cfg} に鍵の取得元が設定されていないため、陽性者の鍵を取得できません。`,
          `鍵の取得元を設定してください。${cfg} の "keySources" に、保健所などから知らされた取得元を書いてから、もう一度確認してください。`]);
    case "key-source-missing":
      return t(
        [`The key source ${s} does not exist.`, `Correct the key source in ${cfg} ("keySources"), or give an existing one with --source, then check again.`],
        [`鍵の取得元 ${s} が見つかりません。`, `${cfg} の "keySources" を正しい取得元に直すか、--source で正しい取得元を指定してから、もう一度確認してください。`]);
    case "key-source-unreachable":
      return t([`${s} could not be reached${r.detail ? " (" + r.detail + ")" : ""}.`, checkAgainOnline[0]], [`${s} に接続できませんでした。`, checkAgainOnline[1]]);
    case "key-file-unverified":
      return t(
        [`The key file ${s} could not be verified: it is not signed with a public key in ${cfg}, so it was not used.`,
          `Check that "publicKeys" in ${cfg} holds your health authority's key, then check again. Keys that cannot be verified are never used.`],
        [`鍵のファイル ${s} が本物か確かめられなかったため、使いませんでした（${cfg} にある公開鍵で署名されていません）。`,
          `${cfg} の "publicKeys" に保健所などの公開鍵が入っているか確かめてから、もう一度確認してください。本物と確かめられない鍵は使いません。`]);
    case "key-file-damaged":
      return t(
        [`The key file ${s} is damaged or is not a key file${r.detail ? " (" + r.detail + ")" : ""}, so it was not used.`,
          "Check again later; if it keeps happening, tell whoever runs the key server."],
        [`鍵のファイル ${s} が壊れているか、鍵のファイルではないため、使いませんでした。`,
          "しばらくしてから、もう一度確認してください。続くときは、鍵を配っている所に知らせてください。"]);
    case "keys-never-fetched":
      return t(["The keys of people who tested positive have never been fetched on this computer.", checkAgainOnline[0]],
        ["このパソコンでは、陽性者の鍵をまだ一度も取得していません。", checkAgainOnline[1]]);
    case "keys-stale":
      return t(
        [`The keys of people who tested positive were last fetched ${age(r.ageHours ?? 0, lang)} ago (${at}); an answer needs keys fetched within ${r.maxHours} hours.`, checkAgainOnline[0]],
        [`陽性者の鍵を最後に取得したのは${age(r.ageHours ?? 0, lang)}前（${at}）です。判定には、${r.maxHours}時間以内に取得した鍵が必要です。`, checkAgainOnline[1]]);
    case "no-token":
      return t(["No token is paired with this computer yet.", "Press your token's button, then pair it: npx omamori token pair --token NAME"],
        ["このパソコンには、ペアリングしたお守りがありません。", "お守りのボタンを押してから、ペアリングしてください：npx omamori token pair --token 名前"]);
    case "pairing-lost":
      return t(
        [`The pairing record of token "${id}" on this computer is damaged and its secret cannot be read${s ? ` (the damaged file was kept as ${s})` : ""}, so what the token recorded since its last sync cannot be read; the log already on this computer was checked.`,
          `Erase the token (hold its button 10 seconds, let go, then press once more), pair it again (npx omamori token pair --token ${id}), sync it, then check again.`],
        [`このパソコンにあるお守り「${id}」のペアリングの記録が壊れていて、秘密の鍵を読み取れません${s ? `（壊れたファイルは ${s} として残しました）` : ""}。そのため、最後の同期のあとにお守りが記録した分は読み取れません。このパソコンにある記録は確認しました。`,
          `お守りを消去し（ボタンを10秒押し続けて離し、もう一度押す）、ペアリングし直して（npx omamori token pair --token ${id}）、同期してから、もう一度確認してください。`]);
    case "never-synced":
      return t([`Token "${id}" has not been synced yet, so there is no log to check.`, syncFirst[0]],
        [`お守り「${id}」はまだ同期していないため、確認する記録がありません。`, syncFirst[1]]);
    case "log-damaged":
      return t(
        [`The copy of token "${id}"'s log on this computer (${s}) is damaged.`,
          `Press the token's button, then sync it (${SYNC_CMD(id)}): the damaged copy is kept aside, never deleted, and the whole log is read again from the token. Then check again.`],
        [`このパソコンにあるお守り「${id}」の記録の写し（${s}）が壊れています。`,
          `お守りのボタンを押して同期してください（${SYNC_CMD(id)}）。壊れた写しは消さずに残し、お守りから記録をすべて読み直します。そのあと、もう一度確認してください。`]);
    case "state-damaged":
      return t(
        [`This computer's record of the syncs of token "${id}" (${s}) is damaged, so it is not known which days the log covers.`,
          `Press the token's button, then sync it (${SYNC_CMD(id)}): the damaged record is kept aside, never deleted, and rebuilt by reading the whole log again. Then check again.`],
        [`このパソコンにあるお守り「${id}」の同期の記録（${s}）が壊れているため、記録がどの日の分か分かりません。`,
          `お守りのボタンを押して同期してください（${SYNC_CMD(id)}）。壊れた記録は消さずに残し、お守りから記録をすべて読み直して作り直します。そのあと、もう一度確認してください。`]);
    case "sync-stale":
      return t(
        [`Token "${id}" was last synced ${age(r.ageHours ?? 0, lang)} ago (${at}); what it recorded since is not on this computer (an answer needs a sync within ${r.maxHours} hours).`, syncFirst[0]],
        [`お守り「${id}」を最後に同期したのは${age(r.ageHours ?? 0, lang)}前（${at}）です。その後の記録は、まだこのパソコンにありません（判定には${r.maxHours}時間以内の同期が必要です）。`, syncFirst[1]]);
    case "not-covered":
      return t([`The log of token "${id}" covers none of the last ${r.days} days.`, syncFirst[0]],
        [`お守り「${id}」の記録には、過去${r.days}日間の分がありません。`, syncFirst[1]]);
    case "match-failed":
      return t([`Matching the log of token "${id}" failed (${r.detail ?? "unknown error"}).`, "Check again; if it happens again, ask for help and show this message."],
        [`お守り「${id}」の記録の照合に失敗しました。`, "もう一度確認してください。続くときは、この画面を見せて相談してください。"]);
  }
}
