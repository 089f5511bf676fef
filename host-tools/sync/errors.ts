/**
 * Why a sync failed, in plain words (Japanese/English). `code` is stable for programs and tests;
 * the token's error codes are in common/formats/syncMessages.ts (E_*).
 */
import { Err } from "../../common/formats/syncMessages";
import { say } from "./language";

export type SyncErrorCode =
  | "auth" | "not-your-token" | "not-paired" | "already-paired" | "no-window" | "locked" | "refused" | "busy"
  | "bad-argument" | "integrity" | "protocol" | "disconnected" | "timeout" | "not-found";

const WORDS: Record<SyncErrorCode, [string, string]> = {
  auth: ["The token refused this computer: the shared secret does not match.", "お守りがこのパソコンを受け付けませんでした（共有の秘密が一致しません）。"],
  "not-your-token": ["This token could not prove it is yours; nothing was exchanged.", "このお守りは登録済みのものと確認できませんでした。何もやり取りしていません。"],
  "not-paired": ["This token is not paired yet. Run `omamori pair` first.", "このお守りはまだ登録されていません。先に `omamori pair` を実行してください。"],
  "already-paired": ["This token is already paired with another computer.", "このお守りはすでに別のパソコンと登録されています。"],
  "no-window": ["Press the token's button, then try again.", "お守りのボタンを押してから、もう一度お試しください。"],
  locked: ["The token is locked after failed attempts. Press its button to unlock.", "失敗が続いたため、お守りがロックされています。ボタンを押すと解除されます。"],
  refused: ["The button on the token was not pressed in time; nothing was read.", "お守りのボタンが時間内に押されなかったため、読み取りませんでした。"],
  busy: ["The token is busy with another request.", "お守りは別の処理中です。"],
  "bad-argument": ["The token rejected the value.", "お守りがその値を受け付けませんでした。"],
  integrity: ["A damaged or repeated message was rejected; the connection was closed.", "壊れたか繰り返されたメッセージを拒否し、接続を閉じました。"],
  protocol: ["The token answered something unexpected.", "お守りから予期しない応答がありました。"],
  disconnected: ["The connection was lost.", "接続が切れました。"],
  timeout: ["The token did not answer in time.", "お守りから時間内に応答がありませんでした。"],
  "not-found": ["No token found nearby. Press its button and keep it close to the computer.", "近くにお守りが見つかりません。ボタンを押して、パソコンの近くに置いてください。"],
};

export class SyncError extends Error {
  constructor(readonly code: SyncErrorCode, detail?: string) {
    super(say(WORDS[code][0], WORDS[code][1]) + (detail ? " (" + detail + ")" : ""));
    this.name = "SyncError";
  }
}

/** Maps a token error code (E_*) to a SyncError. */
export function tokenError(code: number): SyncError {
  const map: Record<number, SyncErrorCode> = {
    [Err.AUTH]: "auth", [Err.NOT_PAIRED]: "not-paired", [Err.ALREADY_PAIRED]: "already-paired", [Err.NO_WINDOW]: "no-window",
    [Err.LOCKED]: "locked", [Err.REFUSED]: "refused", [Err.BUSY]: "busy", [Err.BAD_ARGUMENT]: "bad-argument",
    [Err.INTEGRITY]: "integrity", [Err.BAD_MESSAGE]: "protocol",
  };
  return new SyncError(map[code] ?? "protocol", "token error " + code);
}
