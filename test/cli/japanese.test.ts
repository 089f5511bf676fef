/**
 * Japanese for an elderly reader, checked on what the commands really print: full-width
 * punctuation, one word per concept (ペアリング for pairing; 登録 only in 陽性登録, registering as
 * positive; never 広告 for Bluetooth advertising), and no English fragments beyond commands,
 * paths, option and setting names and a few product names.
 */
import { expect } from "chai";
import { rmSync, unlinkSync, writeFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { CHECK_NOW, makeHome } from "../report/fixtureHome";
import { runCli } from "../report/runCli";

const CJK = "\\u3040-\\u30ff\\u4e00-\\u9fff";
/** Words a Japanese sentence may contain in Latin letters. */
const ALLOWED = ["Bluetooth", "USB", "COCOA", "JSON", "Enter", "Puck", "Bangle", "Android", "iPhone", "GAEN", "OMAMORI_HOME", "OMAMORI_SERVER", "URL", "ID"];

/** Problems in `text`; `names` (token names the test chose) are not English fragments. */
export function japaneseProblems(text: string, names: string[] = []): string[] {
  const problems: string[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!new RegExp(`[${CJK}]`).test(line)) continue; // not a Japanese line (e.g. a path alone)
    if (new RegExp(`[${CJK}）」][ ]?: `).test(line)) problems.push("half-width colon: " + line);
    if (new RegExp(`[${CJK}] ?\\([^)]*[${CJK}]`).test(line)) problems.push("half-width bracket: " + line);
    if (new RegExp(`[${CJK}], `).test(line)) problems.push("half-width comma: " + line);
    if (/広告/.test(line)) problems.push("広告: " + line);
    if (/登録/.test(line.replace(/陽性登録|陽性の登録/g, ""))) problems.push("登録 not for a positive registration: " + line);
    let latin = line
      .replace(/^omamori: /, "")
      .replace(/npx omamori[^。、「」（）]*/g, "")
      .replace(/(?:[A-Za-z]:)?[./~]?[\w.-]*\/[\w./-]*/g, "") // paths and URLs
      .replace(/--[\w-]+/g, "")
      .replace(/"[^"]*"/g, "")
      .replace(/\w+\.(json|html|md|pem)\b/g, "");
    for (const n of names) latin = latin.split(n).join("");
    for (const w of latin.match(/[A-Za-z]{3,}/g) ?? []) if (!ALLOWED.includes(w)) problems.push(`English "${w}": ` + line);
  }
  return problems;
}

describe("Japanese for an elderly reader", () => {
  it("the check, in each situation, prints clean Japanese", async () => {
    const JA = { LANG: "ja_JP.UTF-8" };
    const outputs: string[] = [];
    const situations: ((home: string) => void)[] = [
      () => undefined,
      (home) => writeFileSync(join(home, "tokens", "grandma", "log.json"), "{"),
      (home) => unlinkSync(join(home, "check.json")),
      (home) => writeFileSync(join(home, "check.json"), JSON.stringify({ keySourcs: [] })),
      (home) => writeFileSync(join(home, "check.json"), "{}"),
      (home) => writeFileSync(join(home, "check.json"), JSON.stringify({ keySources: [join(home, "nowhere")] })),
      (home) => {
        const p = join(home, "tokens", "grandma", "sync-state.json");
        const o = JSON.parse(readFileSync(p, "utf8"));
        o.lastSyncAt = "2026-10-12T09:00:00Z";
        writeFileSync(p, JSON.stringify(o));
      },
      (home) => writeFileSync(join(home, "tokens", "grandma", "sync-state.json"), "["),
      (home) => rmSync(join(home, "tokens"), { recursive: true }),
    ];
    for (const [i, damage] of situations.entries()) {
      const h = makeHome(i === 0 ? "risky" : "none");
      damage(h.home);
      const r = await runCli(["check", "--now", CHECK_NOW], { OMAMORI_HOME: h.home, ...JA });
      outputs.push(r.stdout + r.stderr);
      rmSync(h.root, { recursive: true, force: true });
    }
    const h = makeHome("none");
    for (const args of [["sync", "--token", "grandmaa"], ["sync", "--token", "Bad!"], ["status", "--offline"], ["token", "scan", "--window", "1", "--period", "5"], ["settings"], ["export-log", "--token", "nobody"]]) {
      const r = await runCli(args, { OMAMORI_HOME: h.home, ...JA });
      outputs.push(r.stdout + r.stderr);
    }
    rmSync(h.root, { recursive: true, force: true });
    const all = outputs.join("\n");
    expect(all).to.include("接触があったかどうか、確認できませんでした。"); // the situations really ran
    expect(japaneseProblems(all, ["grandmaa", "grandma", "nobody", "Bad!"])).to.deep.equal([]);
  });

  it("the checker itself finds each kind of problem", () => {
    expect(japaneseProblems("電池: 80%")).to.have.length(1);
    expect(japaneseProblems("記録 (3件)")).to.have.length(1);
    expect(japaneseProblems("お守りを登録しました。")).to.have.length(1);
    expect(japaneseProblems("陽性登録が完了しました。")).to.have.length(0);
    expect(japaneseProblems("広告を受信しました。")).to.have.length(1);
    expect(japaneseProblems("同期できませんでした（token error 5）")).to.have.length(2);
    expect(japaneseProblems("お守りのボタンを押してから、次を実行してください：npx omamori sync --token grandma")).to.have.length(0);
  });
});
