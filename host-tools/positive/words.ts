/**
 * Everything `omamori register-positive` says, in Japanese and English (COCOA's registration
 * screens, restated in plain words for elderly owners). One table, so both languages stay equal.
 */
export type Lang = "ja" | "en";

type Text = { en: string; ja: string };

export const WORDS = {
  intro: {
    en: [
      "Register as positive",
      "",
      "This sends your token's daily keys to the health authority's server so that people you met",
      "can be told they may have been in contact. What is sent:",
      "  - the daily keys of the last 14 days (random numbers made by your token), and",
      "  - for each key, the day it was used (its validity time),",
      "  - whether you had symptoms, and the date they began or the date of your test",
      "    (only to choose which days' keys are sent), and the processing number.",
      "Nothing else: no name, no phone number, no place, no record of whom you met.",
      "Nobody who is notified will learn that it was you.",
    ].join("\n"),
    ja: [
      "陽性の登録",
      "",
      "お守りの「日次鍵」を保健当局のサーバーに送ります。あなたと接触した可能性のある方に",
      "お知らせが届くようになります。送るものは次のとおりです。",
      "  ・過去14日分の日次鍵（お守りが作った乱数）",
      "  ・それぞれの鍵を使った日（有効期間）",
      "  ・症状の有無と、症状が出た日または検査を受けた日（どの日の鍵を送るかを決めるためだけに使います）、処理番号",
      "それ以外は送りません。名前、電話番号、場所、誰と会ったかの記録は送りません。",
      "お知らせを受け取った方に、あなたのことが伝わることはありません。",
    ].join("\n"),
  },
  consentQuestion: { en: "Do you agree to send these? (yes/no): ", ja: "送信に同意しますか？（はい／いいえ）：" },
  noConsent: { en: "You did not agree. Nothing was read from the token and nothing was sent.", ja: "同意されなかったため、お守りからは何も読み取らず、何も送信していません。" },
  symptomsQuestion: { en: "Did you have symptoms (fever, cough, ...)? (yes/no): ", ja: "症状（発熱、せきなど）はありましたか？（はい／いいえ）：" },
  onsetQuestion: { en: "On what day did the symptoms begin? (for example 2026-11-20): ", ja: "症状が出始めた日はいつですか？（例：2026-11-20）：" },
  testQuestion: { en: "On what day were you tested? (for example 2026-11-20): ", ja: "検査を受けた日はいつですか？（例：2026-11-20）：" },
  badDate: { en: "Please type the date as year-month-day, for example 2026-11-20, not in the future and within the last 14 days.", ja: "日付は 2026-11-20 のように「年-月-日」で入力してください（未来の日や15日以上前の日は入力できません）。" },
  numberQuestion: { en: "Please type the 8-digit processing number from the health centre: ", ja: "保健所から届いた8桁の処理番号を入力してください：" },
  badNumber: { en: "The processing number has exactly 8 digits (0-9). Please check the message from the health centre and type it again.", ja: "処理番号は8桁の数字です。保健所からのお知らせを確かめて、もう一度入力してください。" },
  noAnswer: { en: "No answer was given to: {q} Nothing was read from the token and nothing was sent.", ja: "次の質問への回答がありませんでした：{q} お守りからは何も読み取らず、何も送信していません。" },
  yesNo: { en: "Please answer yes or no.", ja: "「はい」か「いいえ」でお答えください。" },
  keptFromBefore: { en: "Daily keys read from your token earlier are kept on this computer; they will be sent now (no need to press the token again).", ja: "前回お守りから読み取った日次鍵がこのパソコンに保管されています。それを送ります（お守りのボタンを押し直す必要はありません）。" },
  pressToConnect: { en: "Press the button on your token once, and keep it near this computer.", ja: "お守りのボタンを1回押して、このパソコンの近くに置いてください。" },
  pressToConsent: { en: "Your token is now flashing white. To agree, press its button twice, quickly (within 30 seconds). To refuse, do nothing.", ja: "お守りが白く点滅しています。同意する場合は、30秒以内にボタンを続けて2回押してください。同意しない場合は、何もしないでください。" },
  keysRead: { en: "Read {n} daily keys from the token. They are kept on this computer until the server has them.", ja: "お守りから日次鍵を{n}個読み取りました。サーバーが受け取るまで、このパソコンに保管します。" },
  refusedOnToken: { en: "The button on the token was not pressed in time, so the token did not release its keys. Nothing was sent, and the processing number was not used. You can try again.", ja: "お守りのボタンが時間内に押されなかったため、日次鍵は読み取られませんでした。何も送信しておらず、処理番号も使われていません。もう一度お試しいただけます。" },
  tokenProblem: { en: "Could not read the keys from the token: {why} Nothing was sent; the processing number was not used. You can try again.", ja: "お守りから日次鍵を読み取れませんでした：{why} 何も送信しておらず、処理番号も使われていません。もう一度お試しいただけます。" },
  sending: { en: "Sending the daily keys to {server} ...", ja: "{server} に日次鍵を送信しています…" },
  success: { en: "Registered. The server accepted {n} daily keys. Thank you: people you met can now be told.", ja: "陽性登録が完了しました。サーバーが日次鍵を{n}個受け付けました。ご協力ありがとうございます。接触した可能性のある方にお知らせが届きます。" },
  dropped: { en: "({n} keys were outside the period that counts and were not registered; that is normal.)", ja: "（{n}個の鍵は対象の期間外のため送られませんでした。問題ありません。）" },
  keysKept: { en: "Your daily keys are kept on this computer, so you can try again without pressing the token: run npx omamori register-positive again.", ja: "日次鍵はこのパソコンに保管されています。お守りのボタンを押さずにやり直せます。もう一度 npx omamori register-positive を実行してください。" },
  tryNumberAgain: { en: "Please type the processing number again (or press Enter to stop; your keys stay kept): ", ja: "処理番号をもう一度入力してください（何も入力せずに Enter キーを押すと中止します。鍵は保管されたままです）：" },
  noToken: { en: "No paired token found. Pair your token first.", ja: "ペアリングしたお守りがありません。先にお守りをペアリングしてください（npx omamori token pair --token 名前）。" },
  whichToken: { en: "Several tokens are paired ({ids}); say which with --token.", ja: "複数のお守りをペアリングしています（{ids}）。--token でどれか指定してください。" },
} satisfies Record<string, Text>;

export type WordId = keyof typeof WORDS;

/** The text in the language, with {name} placeholders filled. */
export function words(lang: Lang, id: WordId, vars: Record<string, string | number> = {}): string {
  let t = WORDS[id][lang];
  for (const k of Object.keys(vars)) t = t.split("{" + k + "}").join(String(vars[k]));
  return t;
}
