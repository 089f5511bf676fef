/**
 * What the web app says, in Japanese and English (one table so both stay equal). The verdicts and
 * the report are the host's own words (host-tools/report/resultText.ts), the registration the host's
 * (host-tools/positive/words.ts), sync errors the host's (host-tools/sync/errors.ts); these are only
 * the page's own lines. Every error names the next thing to do.
 */
export type Lang = "ja" | "en";

const W = {
  brand: ["Omamori", "お守り"],
  langOther: ["日本語", "English"],
  langOtherLabel: ["表示を日本語にする", "Show in English"],
  loading: ["Loading…", "読み込んでいます…"],
  tokens: ["Tokens", "お守りの一覧"],
  noTokens: ["No token is set up on this computer yet. Press “Add a token” below.", "このパソコンには、まだお守りが登録されていません。下の「お守りを登録する」を押してください。"],
  lastSync: ["Last sync", "最後の同期"],
  never: ["never", "まだしていません"],
  battery: ["Battery", "電池"],
  batteryLow: ["replace the battery soon", "電池を早めに交換してください"],
  verdictNone: ["Not checked yet", "まだ確認していません"],
  verdictContact: ["Contact", "接触あり"],
  verdictNoContact: ["No contact in the period covered", "記録のある期間に接触なし"],
  verdictCouldNotTell: ["Could not tell", "確認できませんでした"],
  checkedAt: ["checked", "確認"],
  sync: ["Sync this token", "このお守りを同期する"],
  checkAll: ["Check for contact", "接触を確認する"],
  addToken: ["Add a token", "お守りを登録する"],
  install: ["Install Omamori on a new token", "新しいお守りにソフトを入れる"],
  register: ["Register a positive test", "陽性を登録する"],
  exportFolder: ["Save this token's data", "このお守りのデータを保存する"],
  importFolder: ["Bring in a token's data (a saved .zip)", "お守りのデータ（保存した .zip）を取り込む"],
  settings: ["Settings", "設定"],
  back: ["Back to the list", "一覧に戻る"],
  working: ["Working… please wait.", "処理中です。しばらくお待ちください。"],
  done: ["Done.", "完了しました。"],
  next: ["What to do next: ", "次にすること: "],
  // pairing
  pairTitle: ["Add a token", "お守りを登録する"],
  nameLabel: ["A name for this token (small letters, digits or -, for example grandma)", "お守りの名前（半角の小文字・数字・- 。例: grandma）"],
  nameBad: ["The name must be 1 to 32 small letters, digits or -, starting with a letter or digit, and not used already.", "名前は半角の小文字・数字・- の1〜32文字で、先頭は文字か数字にしてください。すでに使っている名前は使えません。"],
  pressButtonFirst: ["Press the button on the token once. Its light blinks. Then, within a minute, press the blue button below and choose the token in the list the browser shows.", "お守りのボタンを1回押してください。ランプが点滅します。1分以内に下の青いボタンを押し、ブラウザが表示する一覧からお守りを選んでください。"],
  findToken: ["Find my token", "お守りを探す"],
  pairing: ["Pairing with the token…", "お守りと登録（ペアリング）しています…"],
  paired: ["Paired. The token “{id}” ({board}) now belongs to this computer. Next: sync it.", "登録しました。お守り「{id}」（{board}）はこのパソコンと結び付きました。次に同期してください。"],
  // sync
  syncTitle: ["Sync “{id}”", "「{id}」を同期する"],
  syncing: ["Copying the token's record… keep it near the computer.", "お守りの記録を写しています。パソコンの近くに置いたままにしてください。"],
  synced: ["Synced: {bytes} bytes read, {scans} new sightings.", "同期しました。{bytes} バイトを読み、新しい記録は {scans} 件でした。"],
  alertShown: ["The token's light now shows the contact alert.", "お守りのランプで接触のお知らせを表示しました。"],
  clockSet: ["The token's clock was set.", "お守りの時計を合わせました。"],
  // check
  checkTitle: ["Check for contact", "接触の確認"],
  checkExplain: ["This downloads the published keys of people who tested positive, checks their signatures, and compares them with each token's record, here in this browser. Nothing about you is sent.", "陽性になった方の公開された鍵をダウンロードし、署名を確かめ、このブラウザの中で各お守りの記録と照らし合わせます。あなたの情報は何も送りません。"],
  startCheck: ["Start the check", "確認を始める"],
  fetching: ["Downloading key files: {done} of {total}", "鍵のファイルをダウンロード中: {total} 件中 {done} 件"],
  matching: ["Comparing keys: {done} of {total}", "鍵を照合中: {total} 件中 {done} 件"],
  matchingSmall: ["Comparing keys…", "鍵を照合しています…"],
  openReport: ["Open the printable report", "印刷用の報告を開く"],
  alertPending: ["The token's light will show the alert at its next sync: press its button and sync it now.", "次の同期でお守りのランプにお知らせを表示します。お守りのボタンを押して、今すぐ同期してください。"],
  // install
  installTitle: ["Install Omamori on a new token", "新しいお守りにソフトを入れる"],
  boardLabel: ["Which board is it?", "どの機器ですか？"],
  installExplain: ["The token must have Espruino's own software (as it comes from the shop). Put it near the computer, then press Connect and choose it in the browser's list (its name starts with Puck.js, Bangle.js, Pixl.js, ...).", "お守りには Espruino の標準ソフトが入っている必要があります（購入したままの状態）。パソコンの近くに置き、「接続する」を押して、ブラウザの一覧から選んでください（名前は Puck.js、Bangle.js、Pixl.js などで始まります）。"],
  connect: ["Connect", "接続する"],
  uploading: ["Writing the software to the token: {done} of {total} bytes", "お守りにソフトを書き込んでいます: {total} バイト中 {done} バイト"],
  starting: ["Starting the software on the token…", "お守りのソフトを起動しています…"],
  installed: ["The software is on the token ({bytes} bytes, checked) and has started.", "お守りにソフトを書き込み（{bytes} バイト、確認済み）、起動しました。"],
  confirmExplain: ["Now press the button on the token once, then press “Check it runs” and choose it in the list.", "お守りのボタンを1回押してから「動作を確かめる」を押し、一覧から選んでください。"],
  confirm: ["Check it runs", "動作を確かめる"],
  running: ["Omamori runs on the token and is waiting to be paired. Next: give it a name and pair it.", "お守りでソフトが動いていて、登録（ペアリング）を待っています。次に名前を付けて登録してください。"],
  pairNow: ["Pair it now", "今すぐ登録する"],
  boardMismatch: ["This token says it is a {found} board, not {want}. Choose the right board above and connect again.", "このお守りは {found} だと答えました（選んだのは {want}）。上で正しい機器を選び、もう一度接続してください。"],
  // register
  registerTitle: ["Register a positive test", "陽性の登録"],
  yes: ["Yes", "はい"],
  no: ["No", "いいえ"],
  ok: ["OK", "OK"],
  findTokenForKeys: ["I pressed it: find my token", "押しました。お守りを探す"],
  // export / import
  exported: ["Saved {file}. Keep it safe: it holds the token's secret.", "{file} を保存しました。お守りの秘密の鍵が入っているので、大切に保管してください。"],
  imported: ["Brought in the token “{id}”.", "お守り「{id}」を取り込みました。"],
  importBad: ["This file is not a saved token folder: {why}. Choose the .zip this app or `omamori` saved.", "このファイルは保存したお守りのデータではありません（{why}）。このアプリか omamori が保存した .zip を選んでください。"],
  importExists: ["A token named “{id}” is already on this computer; nothing was changed.", "「{id}」という名前のお守りはすでにこのパソコンにあります。何も変更していません。"],
  // settings
  settingsTitle: ["Settings", "設定"],
  sourcesLabel: ["Where the published keys are (one address of list.json per line)", "公開された鍵の場所（list.json のアドレスを1行に1つ）"],
  publicKeyLabel: ["The health authority's public key (PEM or base64)", "保健当局の公開鍵（PEM または base64）"],
  keyIdLabel: ["Key id (e.g. 440) and version (e.g. v1)", "鍵ID（例: 440）と版（例: v1）"],
  serverLabel: ["Address of the server that takes positive registrations", "陽性登録を受け付けるサーバーのアドレス"],
  save: ["Save", "保存する"],
  saved: ["Saved.", "保存しました。"],
  // errors
  noBluetooth: ["This browser cannot use Bluetooth. Use Chrome or Edge on Windows, macOS, ChromeOS or Android; on Linux, turn on chrome://flags/#enable-experimental-web-platform-features and restart Chrome.", "このブラウザでは Bluetooth を使えません。Windows、macOS、ChromeOS、Android の Chrome か Edge をお使いください。Linux では chrome://flags/#enable-experimental-web-platform-features を有効にして Chrome を再起動してください。"],
  notSecure: ["Bluetooth works only on a secure page (https:// or this computer's own address). Open the app from https:// or with `npx omamori web`.", "Bluetooth は安全なページ（https:// か、このパソコン自身のアドレス）でしか使えません。https:// のアドレスか `npx omamori web` で開いてください。"],
  notChosen: ["No token was chosen. Press the token's button, then try again and choose it in the list.", "お守りが選ばれませんでした。お守りのボタンを押してから、もう一度試して一覧から選んでください。"],
  wrongToken: ["The token chosen is not “{id}” (or it was erased). Press the button of “{id}” and choose that one. If it was erased, pair it again.", "選んだお守りは「{id}」ではありません（または消去されています）。「{id}」のボタンを押して、そのお守りを選んでください。消去した場合は、登録し直してください。"],
  noSettings: ["No key source is set. Open Settings and enter the address of the published keys and the public key (your health authority gives them).", "鍵の場所が設定されていません。「設定」を開き、公開された鍵のアドレスと公開鍵（保健当局が案内しています）を入力してください。"],
  unexpected: ["Something went wrong: {why}. Nothing saved was lost. Try again; if it keeps happening, ask for help.", "問題が起きました（{why}）。保存済みのデータは失われていません。もう一度お試しください。続く場合はご相談ください。"],
  storageFull: ["The browser could not save (its storage may be full). Nothing saved before was lost. Free some space, then try again.", "ブラウザに保存できませんでした（保存領域がいっぱいかもしれません）。以前のデータは失われていません。空きを作ってから、もう一度お試しください。"],
  uploadFailed: ["Writing to the token failed: {why}. Keep it close to the computer and press Connect again; the software is written again from the start.", "お守りへの書き込みに失敗しました（{why}）。パソコンの近くに置いて、もう一度「接続する」を押してください。最初から書き直します。"],
  storageFullToken: ["The token's storage is full or the file was refused: {why}. Erase the token's storage with the Espruino Web IDE, then try again.", "お守りの保存領域がいっぱいか、ファイルを受け付けませんでした（{why}）。Espruino Web IDE でお守りの保存領域を消去してから、もう一度お試しください。"],
} satisfies Record<string, [string, string]>;

export type WordId = keyof typeof W;

export function t(lang: Lang, id: WordId, vars: Record<string, string | number> = {}): string {
  const s = W[id][lang === "ja" ? 1 : 0];
  return s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
}
