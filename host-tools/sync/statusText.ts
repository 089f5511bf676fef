/**
 * The token's health in plain words for `omamori status` (docs/spec/cocoa-promises.md "Being
 * notified": the start date and the days in use), Japanese or English.
 */
import type { StatusBody } from "../../common/formats/syncMessages";
import { loadBoard } from "../../boards/index";
import { japanese } from "../base/language";
import { localTime, dateOfDay } from "../base/time";
import { formatDrift } from "./syncToken";

export const BATTERY_LOW_PERCENT = 20;
const STORAGE_HIGH_FRACTION = 0.85;

export interface StatusFacts {
  tokenId: string;
  status: StatusBody;
  driftSeconds: number | null;
  /** When this status was read (ISO), and whether it is live or from the last sync. */
  readAt: string | null;
  live: boolean;
  lastSyncAt: string | null;
  /** Host time (ms), for "days in use". */
  nowMs: number;
}

function boardName(id: string): string {
  try {
    return loadBoard(id).name;
  } catch {
    return id;
  }
}

/** An ISO time as a person reads it, in this computer's time zone, the zone named; null stays null. */
export function plainTime(iso: string | null, ja: boolean): string | null {
  return iso === null ? null : localTime(iso, ja ? "ja" : "en");
}

function kb(n: number): string {
  return (n / 1024).toFixed(1) + " KB";
}

/** One line per fact, most important first. */
export function statusLines(f: StatusFacts, ja = japanese()): string[] {
  const s = f.status;
  const out: string[] = [];
  const t = (en: string, jp: string) => out.push(ja ? jp : en);
  // a status saved by an older version may lack fields: what is unknown is left out, never "undefined"
  if (s.board !== undefined) t(`Token "${f.tokenId}" (${boardName(s.board)}, firmware ${s.firmwareVersion ?? "?"})`, `お守り「${f.tokenId}」（${boardName(s.board)}、ファームウェア ${s.firmwareVersion ?? "不明"}）`);
  else t(`Token "${f.tokenId}"`, `お守り「${f.tokenId}」`);
  if (!f.live) t(`Last known state, from the sync at ${plainTime(f.readAt, false) ?? "?"}`, `${plainTime(f.readAt, true) ?? "?"}の同期時点の状態です`);
  if (s.alert) t("ALERT: a possible contact was found. See `npx omamori check`.", "【お知らせ】接触の可能性があります。`npx omamori check` で確認してください。");
  if (s.paused) t("Recording is PAUSED. Press and hold the button to resume.", "記録は一時停止中です。ボタンを長押しすると再開します。");
  else t("Recording: on", "記録：動作中");
  if (s.batteryPercent < 0) t("Battery: this board cannot measure it", "電池：このボードでは測れません");
  else if (s.batteryPercent < BATTERY_LOW_PERCENT) t(`Battery: ${s.batteryPercent}% - LOW, replace or charge soon`, `電池：${s.batteryPercent}%（残りわずかです。早めに交換・充電してください）`);
  else t(`Battery: ${s.batteryPercent}%`, `電池：${s.batteryPercent}%`);
  if (!s.clockValid) t("Clock: not set (it will be set at the next sync)", "時計：未設定（次の同期で合わせます）");
  else if (f.driftSeconds === null) t("Clock: set", "時計：設定済み");
  else if (Math.abs(f.driftSeconds) < 60) t(`Clock: correct (off by ${Math.round(Math.abs(f.driftSeconds))} s)`, `時計：正確（ずれ ${Math.round(Math.abs(f.driftSeconds))} 秒）`);
  else t(`Clock: was ${formatDrift(f.driftSeconds)} off (corrected at sync)`, `時計：${formatDrift(f.driftSeconds, true)}ずれていました（同期で修正）`);
  const total = s.storageUsedBytes + s.storageFreeBytes;
  const pct = total > 0 ? Math.round((100 * s.storageUsedBytes) / total) : 0;
  const full = total > 0 && s.storageUsedBytes / total >= STORAGE_HIGH_FRACTION;
  t(
    `Storage: ${pct}% used (${kb(s.storageUsedBytes)} of ${kb(total)})` + (s.recordsKept !== undefined ? `, ${s.recordsKept} records kept` : "") + (s.recordsDropped ? `, ${s.recordsDropped} oldest dropped` : "") + (full ? " - nearly full, sync more often" : ""),
    `記録領域：${pct}%使用（${kb(total)}中 ${kb(s.storageUsedBytes)}）` + (s.recordsKept !== undefined ? `、記録 ${s.recordsKept} 件` : "") + (s.recordsDropped ? `、古い記録 ${s.recordsDropped} 件を削除` : "") + (full ? "（もうすぐいっぱいです。こまめに同期してください）" : ""),
  );
  if (s.firstDay >= 0) {
    const at = s.clockValid ? s.clockSeconds * 1000 : f.nowMs; // the day of this reading
    const days = Math.max(1, Math.floor(at / 86400000) - s.firstDay + 1);
    t(`In use since ${dateOfDay(s.firstDay, "en")} (${days} days)`, `使い始めた日：${dateOfDay(s.firstDay, "ja")}（${days}日目）`);
  }
  if (f.live) {
    if (s.errorCount) t(`Problems recorded by the token: ${s.errorCount}`, `お守りが記録した不具合：${s.errorCount} 件`);
    else t("Problems recorded by the token: none", "お守りが記録した不具合：なし");
  } else {
    t(`Problems the token had recorded at the last sync: ${s.errorCount || "none"}`, `前回の同期の時点でお守りが記録していた不具合：${s.errorCount ? s.errorCount + " 件" : "なし"}`);
  }
  if (s.hubSeconds) t(`Home hub: on, every ${Math.round(s.hubSeconds / 60)} min`, `ホームハブ：有効（${Math.round(s.hubSeconds / 60)}分ごと）`);
  t(`Last sync: ${plainTime(f.lastSyncAt, false) ?? "never"}`, `最終同期：${plainTime(f.lastSyncAt, true) ?? "まだありません"}`);
  return out;
}
