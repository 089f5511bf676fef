/**
 * Why a sync failed, in plain words (Japanese/English). `code` is stable for programs and tests;
 * the token's error codes are in common/formats/syncMessages.ts (E_*).
 */
import { Err } from "../../common/formats/syncMessages";
import { say } from "../base/language";

export type SyncErrorCode =
  | "auth" | "not-your-token" | "not-paired" | "already-paired" | "no-window" | "locked" | "refused" | "busy"
  | "bad-argument" | "integrity" | "protocol" | "disconnected" | "timeout" | "not-found"
  | "no-adapter" | "bluetooth-off" | "no-permission";

const WORDS: Record<SyncErrorCode, [string, string]> = {
  auth: ["The token refused this computer: the shared secret does not match.", "お守りがこのパソコンを受け付けませんでした（ペアリングのときに決めた秘密の鍵が一致しません）。"],
  "not-your-token": ["This token could not prove it is yours; nothing was exchanged.", "このお守りは、このパソコンとペアリングしたお守りだと確かめられませんでした。何もやり取りしていません。"],
  "not-paired": ["This token is not paired yet. Press its button, then run: npx omamori token pair --token NAME", "このお守りはまだペアリングしていません。ボタンを押してから、次を実行してください：npx omamori token pair --token 名前"],
  "already-paired": ["This token is already paired with another computer.", "このお守りは、すでに別のパソコンとペアリングしています。"],
  "no-window": ["Press the token's button, then try again.", "お守りのボタンを押してから、もう一度お試しください。"],
  locked: ["The token is locked after failed attempts. Press its button to unlock.", "失敗が続いたため、お守りがロックされています。ボタンを押すと解除されます。"],
  refused: ["The button on the token was not pressed in time; nothing was read.", "お守りのボタンが時間内に押されなかったため、読み取りませんでした。"],
  busy: ["The token is busy with another computer. Wait a minute and try again.", "お守りは別のパソコンとやり取り中です。1分ほど待ってから、もう一度お試しください。"],
  "bad-argument": ["The token rejected the value.", "お守りがその値を受け付けませんでした。"],
  integrity: ["The connection was disturbed, so it was closed to keep your data safe. Nothing was lost; please try again.", "通信が乱れたため、データを守るために接続を閉じました。記録は失われていません。もう一度お試しください。"],
  protocol: ["The token answered something unexpected. Nothing was lost; please try again, and if it keeps happening, ask for help.", "お守りから予期しない応答がありました。記録は失われていません。もう一度お試しください。続く場合はご相談ください。"],
  disconnected: ["The connection was lost. Nothing was lost; keep the token close to the computer and try again.", "接続が切れました。記録は失われていません。お守りをパソコンの近くに置いて、もう一度お試しください。"],
  timeout: ["The token did not answer in time. Keep it close to the computer and try again.", "お守りから時間内に応答がありませんでした。パソコンの近くに置いて、もう一度お試しください。"],
  "not-found": ["No token found nearby. Press its button and keep it close to the computer.", "近くにお守りが見つかりません。ボタンを押して、パソコンの近くに置いてください。"],
  "no-adapter": [
    "This computer has no Bluetooth adapter that omamori can use, so it cannot reach the token. Nothing was changed. Use a computer with Bluetooth or plug in a USB Bluetooth adapter; to try omamori without one, add --transport sim.",
    "このパソコンには、omamori が使える Bluetooth（ブルートゥース）の装置がないため、お守りと通信できません。何も変更していません。Bluetooth のあるパソコンを使うか、USB の Bluetooth 装置をつないでください。試すだけなら、--transport sim を付けてください。",
  ],
  "bluetooth-off": ["Bluetooth is turned off on this computer. Turn it on, then try again. Nothing was changed.", "このパソコンの Bluetooth がオフになっています。オンにしてから、もう一度お試しください。何も変更していません。"],
  "no-permission": [
    "This computer does not let omamori use Bluetooth. Allow it (see the @stoprocent/noble instructions for your system, e.g. on Linux give node the cap_net_raw capability), then try again. Nothing was changed.",
    "このパソコンでは、omamori が Bluetooth を使うことが許可されていません。許可してから（@stoprocent/noble の説明を参照。Linux では node に cap_net_raw の権限を与えます）、もう一度お試しください。何も変更していません。",
  ],
};

export class SyncError extends Error {
  constructor(readonly code: SyncErrorCode, detail?: string) {
    // the technical detail is for whoever helps, in English; a Japanese reader gets the plain sentence only
    super(say(WORDS[code][0] + (detail ? " (" + detail + ")" : ""), WORDS[code][1]));
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
