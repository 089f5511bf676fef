/**
 * The web app (docs/WEB.md): for an owner and their helper, what the `omamori` command does, one
 * obvious button per step: install the firmware, pair, sync, check, register a positive test, and
 * a list of several tokens at a glance. The sync, check and registration are the host's own code
 * (host-tools/), bundled for the browser (scripts/build-web.ts); the data folder is the CLI's, kept
 * in IndexedDB (platform/vfs.ts), and a token's folder can be saved and brought back as a .zip.
 */
import "./platform/staticMount";
import "./platform/polyfills";
import { unzipSync, zipSync } from "fflate";
import { DATA_ROOT, filesUnder, mountVfs, readBytes, remove } from "./platform/vfs";
import { writeFileAtomic } from "../../host-tools/base/atomicFile";
import { DataDir, checkTokenId } from "../../host-tools/base/dataDir";
import { useLanguage } from "../../host-tools/base/language";
import { localTime } from "../../host-tools/base/time";
import { pairNewToken, syncToken, type SyncReport } from "../../host-tools/sync/syncToken";
import { SyncError } from "../../host-tools/sync/errors";
import { readLog } from "../../host-tools/log/omamoriLog";
import { loadHistory } from "../../host-tools/report/checkHistory";
import { reportSections, type OwnerResult } from "../../host-tools/report/resultText";
import type { VerdictKind } from "../../host-tools/report/verdict";
import { registerPositive, type Prompter } from "../../host-tools/positive/registerPositive";
import { WebBluetoothTransport, bluetoothProblem, type BtDevice } from "./ble/webBluetooth";
import { chooseEspruino, installFirmware, InstallError } from "./ble/installer";
import type { CheckMessage } from "./check/checkWorker";
import { t, type Lang, type WordId } from "./words";

const DB = "omamori";
const data = new DataDir(DATA_ROOT);
const transport = new WebBluetoothTransport();
let lang: Lang = (localStorage.getItem("omamori-lang") as Lang) || (navigator.language.toLowerCase().startsWith("ja") ? "ja" : "en");
let busy = false;
/** Deployment defaults beside the app (written by the reference server's publish): key sources, public keys, server. */
let config: { keySources?: string[]; publicKeys?: { keyId?: string; keyVersion?: string; publicKey: string }[]; server?: string } = {};

const w = (id: WordId, vars?: Record<string, string | number>) => t(lang, id, vars);

// ------------------------------------------------------------------ DOM helpers

type Child = Node | string | null | undefined | false;
function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, unknown> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v as EventListener);
    else if (k === "text") el.textContent = String(v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

const app = () => document.getElementById("app")!;

function screen(title: string, ...children: Child[]): void {
  document.title = title + " — " + w("brand");
  const main = app();
  main.replaceChildren(h("h1", { id: "screen-title", tabindex: "-1" }, title), ...children.filter((c): c is Node | string => c !== null && c !== undefined && c !== false));
  (document.getElementById("screen-title") as HTMLElement).focus();
}

/** A status box that speaks (aria-live) and can show progress or an error with the next step. */
function statusBox(): { el: HTMLElement; say(text: string): void; progress(text: string, done: number, total: number): void; error(text: string): void; clear(): void } {
  const el = h("div", { class: "status", role: "status", "aria-live": "polite" });
  el.hidden = true;
  return {
    el,
    say(text) {
      el.hidden = false;
      el.className = "status";
      el.setAttribute("role", "status");
      el.replaceChildren(h("p", {}, text));
    },
    progress(text, done, total) {
      el.hidden = false;
      el.className = "status";
      const bar = h("progress", { max: String(Math.max(1, total)), value: String(Math.min(done, total)), "aria-label": text });
      el.replaceChildren(h("p", {}, text), bar);
    },
    error(text) {
      el.hidden = false;
      el.className = "status error";
      el.setAttribute("role", "alert");
      el.replaceChildren(h("p", {}, text));
    },
    clear() {
      el.hidden = true;
      el.replaceChildren();
    },
  };
}

/** A button; while a step runs (busy) it does nothing, unless it belongs to that step (`during`). */
function button(label: string, onclick: () => void, primary = false, id?: string, during = false): HTMLButtonElement {
  return h("button", { type: "button", class: primary ? "primary" : undefined, id, onclick: () => {
    document.body.dataset.pressed = (id ?? label) + (busy && !during ? " (busy)" : "");
    if (!busy || during) onclick();
  } }, label);
}

function backButton(): HTMLButtonElement {
  return button(w("back"), () => void home());
}

function setBusy(b: boolean): void {
  busy = b;
  document.body.dataset.busy = b ? "yes" : "no"; // for tests and assistive styling
}

async function guarded(box: ReturnType<typeof statusBox>, run: () => Promise<void>, buttons: HTMLButtonElement[] = []): Promise<void> {
  setBusy(true);
  for (const b of buttons) b.disabled = true;
  try {
    await run();
  } catch (e) {
    box.error(errorText(e));
  } finally {
    setBusy(false);
    for (const b of buttons) b.disabled = false;
  }
}

function errorText(e: unknown, tokenId?: string): string {
  if (e instanceof SyncError) {
    if (e.code === "not-found") return w("notChosen");
    if (e.code === "auth" && tokenId) return w("wrongToken", { id: tokenId });
    return e.message;
  }
  const err = e as Error;
  if (err && (err.name === "QuotaExceededError" || /IndexedDB/.test(err.message ?? ""))) return w("storageFull");
  return w("unexpected", { why: err?.message ?? String(e) });
}

function needBluetooth(box: ReturnType<typeof statusBox>): boolean {
  const p = bluetoothProblem();
  if (p) box.error(w(p === "not-secure" ? "notSecure" : "noBluetooth"));
  return !p;
}

// ------------------------------------------------------------------ header and language

function header(): void {
  document.documentElement.lang = lang;
  const top = document.getElementById("top")!;
  top.replaceChildren(
    h("p", { class: "brand" }, w("brand")),
    h("nav", { "aria-label": w("settings") },
      button(w("langOther"), () => {
        lang = lang === "ja" ? "en" : "ja";
        localStorage.setItem("omamori-lang", lang);
        useLanguage(lang);
        header();
        void home();
      }),
      button(w("settings"), () => void settingsScreen()),
    ),
  );
  top.querySelector("button")!.setAttribute("aria-label", w("langOtherLabel"));
  top.querySelector("button")!.setAttribute("lang", lang === "ja" ? "en" : "ja");
}

// ------------------------------------------------------------------ the list of tokens

interface TokenRow {
  id: string;
  board: string;
  lastSyncAt: string | null;
  battery: number | null;
  verdict: VerdictKind | null;
  checkedAt: string | null;
}

async function tokenRows(): Promise<TokenRow[]> {
  let history: ReturnType<typeof loadHistory> | null = null;
  try {
    history = loadHistory(DATA_ROOT);
  } catch {
    history = null;
  }
  const rows: TokenRow[] = [];
  for (const id of await data.tokenIds()) {
    let board = "", lastSyncAt: string | null = null, battery: number | null = null;
    try { board = (await data.loadToken(id)).board; } catch { /* shown as unknown */ }
    try {
      const s = await data.loadState(id);
      lastSyncAt = s.lastSyncAt;
      battery = s.status && typeof s.status.batteryPercent === "number" && s.status.batteryPercent >= 0 ? s.status.batteryPercent : null;
    } catch { /* shown as unknown */ }
    let verdict: VerdictKind | null = null, checkedAt: string | null = null;
    for (const c of history?.checks ?? []) {
      const tk = c.tokens.find((x) => x.tokenId === id);
      if (tk) { verdict = tk.verdict ?? null; checkedAt = c.checkedAt; }
    }
    rows.push({ id, board, lastSyncAt, battery, verdict, checkedAt });
  }
  return rows;
}

function verdictBadge(v: VerdictKind | null): HTMLElement {
  const word: WordId = v === "contact" ? "verdictContact" : v === "no-contact" ? "verdictNoContact" : v === "could-not-tell" ? "verdictCouldNotTell" : "verdictNone";
  return h("span", { class: "verdict " + (v ?? "none"), "data-verdict": v ?? "none" }, w(word));
}

async function home(): Promise<void> {
  const rows = await tokenRows();
  const box = statusBox();
  const list = h("section", { "aria-labelledby": "screen-title" });
  if (rows.length === 0) list.append(h("p", {}, w("noTokens")));
  for (const r of rows) {
    list.append(h("article", { class: "card", "data-token": r.id, "aria-label": r.id },
      h("h2", {}, r.id),
      verdictBadge(r.verdict),
      h("ul", { class: "facts" },
        h("li", {}, `${w("lastSync")}: ${r.lastSyncAt ? localTime(r.lastSyncAt, lang) : w("never")}`),
        r.battery !== null ? h("li", {}, `${w("battery")}: ${r.battery}%${r.battery < 20 ? " — " + w("batteryLow") : ""}`) : null,
        r.checkedAt ? h("li", {}, `${w("checkedAt")}: ${localTime(r.checkedAt, lang)}`) : null,
      ),
      button(w("sync"), () => void syncScreen(r.id), true),
      button(w("register"), () => void registerScreen(r.id)),
      button(w("exportFolder"), () => exportToken(r.id, box)),
    ));
  }
  const fileInput = h("input", { type: "file", accept: ".zip,application/zip", id: "import-file", class: "visually-hidden", onchange: (e: Event) => void importToken((e.target as HTMLInputElement).files?.[0], box) });
  screen(w("tokens"),
    rows.length ? button(w("checkAll"), () => void checkScreen(), true, "check-all") : null,
    list,
    box.el,
    h("h2", {}, w("addToken")),
    button(w("addToken"), () => void pairScreen(), rows.length === 0, "add-token"),
    button(w("install"), () => void installScreen(), false, "install"),
    h("label", { for: "import-file", class: "button" }, w("importFolder")),
    fileInput,
  );
}

// ------------------------------------------------------------------ pairing

async function pairScreen(preChosen = false): Promise<void> {
  const box = statusBox();
  const existing = await data.tokenIds();
  const name = h("input", { id: "token-name", autocomplete: "off", autocapitalize: "none", spellcheck: "false", required: true });
  const go = button(w("findToken"), () => {
    const id = name.value.trim();
    let ok = !existing.includes(id);
    try { checkTokenId(id); } catch { ok = false; }
    if (!ok) {
      box.error(w("nameBad"));
      name.focus();
      return;
    }
    if (!needBluetooth(box)) return;
    // the device chooser needs this click's user activation: open it before anything awaits
    if (!preChosen) transport.choose().catch(() => undefined);
    void guarded(box, async () => {
      box.say(w("pairing"));
      const rec = await pairNewToken({ transport, data, tokenId: id });
      transport.forget();
      box.say(w("paired", { id: rec.tokenId, board: rec.board }));
      go.replaceWith(button(w("sync"), () => void syncScreen(rec.tokenId), true, "sync-after-pair"));
    }, [go]);
  }, true, "find-token");
  screen(w("pairTitle"),
    h("label", { for: "token-name" }, w("nameLabel")),
    name,
    preChosen ? null : h("p", {}, w("pressButtonFirst")),
    go,
    box.el,
    backButton(),
  );
}

// ------------------------------------------------------------------ sync

function syncSummary(r: SyncReport): string {
  const lines = [w("synced", { bytes: r.bytesRead, scans: r.scansAdded })];
  if (r.clockSet) lines.push(w("clockSet"));
  if (r.alertSet) lines.push(w("alertShown"));
  return lines.join(" ");
}

async function syncScreen(id: string): Promise<void> {
  const box = statusBox();
  const warnings = h("ul", { class: "facts", "aria-label": "warnings" });
  const go = button(w("findToken"), () => {
    if (!needBluetooth(box)) return;
    transport.choose().catch(() => undefined);
    void guarded(box, async () => {
      box.say(w("syncing"));
      try {
        const r = await syncToken({
          transport, data, tokenId: id,
          onProgress: (p) => box.progress(w("syncing"), p.bytes, Math.max(p.bytes, p.totalBytes)),
          onWarning: (m) => warnings.append(h("li", {}, m)),
        });
        box.say(syncSummary(r));
      } catch (e) {
        box.error(errorText(e, id));
      } finally {
        transport.forget();
      }
    }, [go]);
  }, true, "find-token");
  screen(w("syncTitle", { id }), h("p", {}, w("pressButtonFirst")), go, box.el, warnings, backButton());
}

// ------------------------------------------------------------------ check

function renderReport(r: OwnerResult): HTMLElement {
  const out = h("div", { class: "report", "data-verdict": r.verdict.kind });
  for (const s of reportSections(r, lang)) {
    if (s.emphasis) {
      out.append(h("section", { class: "main" + (s.warning ? " warning" : "") },
        h("h2", {}, s.heading), ...s.lines.map((l, i) => h("p", { class: i === 0 ? "headline" : undefined }, l))));
    } else {
      out.append(h("section", { class: s.warning ? "warning" : undefined }, h("h3", {}, s.heading), h("ul", {}, ...s.lines.map((l) => h("li", {}, l)))));
    }
  }
  return out;
}

async function checkScreen(): Promise<void> {
  const box = statusBox();
  const results = h("div", { id: "results" });
  const go = button(w("startCheck"), () => {
    void guarded(box, async () => {
      results.replaceChildren();
      box.say(w("matchingSmall"));
      const worker = new Worker("check-worker.js");
      const outcome = await new Promise<CheckMessage>((resolve) => {
        worker.onmessage = (e: MessageEvent<CheckMessage>) => {
          const m = e.data;
          if (m.kind === "progress") {
            if (m.phase === "fetch") box.progress(w("fetching", { done: m.done, total: m.total }), m.done, m.total);
            else box.progress(w("matching", { done: m.done, total: m.total }), m.done, m.total);
          } else resolve(m);
        };
        worker.onerror = (e) => resolve({ kind: "error", message: e.message, name: "Error" });
        worker.postMessage({ db: DB, now: Date.now(), lang });
      });
      worker.terminate();
      await mountVfs({ name: DB });
      if (outcome.kind === "error") throw new Error(outcome.message);
      if (outcome.kind !== "result") return;
      box.say(w("done"));
      for (const tk of outcome.run.tokens) {
        const card = h("article", { class: "card", "data-token": tk.tokenId, "data-verdict": tk.verdict.kind }, h("h2", {}, tk.tokenId), verdictBadge(tk.verdict.kind), renderReport(tk.result));
        const html = outcome.reports[tk.tokenId];
        if (html) {
          const url = URL.createObjectURL(new Blob([html], { type: "text/html" }));
          card.append(h("p", {}, h("a", { href: url, target: "_blank", rel: "noopener" }, w("openReport"))));
        }
        if (tk.alertRequested) card.append(h("p", { class: "next" }, w("alertPending")), button(w("sync"), () => void syncScreen(tk.tokenId), true));
        results.append(card);
      }
      if (outcome.run.tokens.length === 0) results.append(renderGlobalReasons(outcome.run.reasons.map((r) => r.code)));
    }, [go]);
  }, true, "start-check");
  screen(w("checkTitle"), h("p", {}, w("checkExplain")), go, box.el, results, backButton());
}

function renderGlobalReasons(codes: string[]): HTMLElement {
  return h("p", {}, codes.includes("settings-missing") || codes.includes("no-key-source") ? w("noSettings") : codes.join(", "));
}

// ------------------------------------------------------------------ install

interface FirmwareEntry { board: string; name: string; espruinoBoard: string; bytes: number; sha256: string }

async function installScreen(): Promise<void> {
  const box = statusBox();
  const boards = (await (await fetch("./firmware/index.json")).json()) as FirmwareEntry[];
  const select = h("select", { id: "board" }, ...boards.map((b) => h("option", { value: b.board }, `${b.name} (${b.board})`)));
  let firmware: Promise<Uint8Array> | null = null;
  const load = () => (firmware = fetch("./firmware/" + select.value + ".js").then(async (r) => {
    if (!r.ok) throw new Error("firmware/" + select.value + ".js: HTTP " + r.status);
    return new Uint8Array(await r.arrayBuffer()); // byte for byte: the file is pretokenised
  }));
  select.addEventListener("change", load);
  load();
  const after = h("div", {});
  const go = button(w("connect"), () => {
    if (!needBluetooth(box)) return;
    const chosen = chooseEspruino(); // inside the click: the chooser needs it
    const entry = boards.find((b) => b.board === select.value)!;
    void guarded(box, async () => {
      let device: BtDevice;
      try {
        device = await chosen;
      } catch {
        box.error(w("notChosen"));
        return;
      }
      const bytes = await firmware!;
      try {
        await installFirmware(device, bytes, entry.espruinoBoard, (done, total) => box.progress(w("uploading", { done, total }), done, total));
      } catch (e) {
        if (e instanceof InstallError && e.kind === "board") box.error(w("boardMismatch", { found: e.message, want: entry.espruinoBoard }));
        else if (e instanceof InstallError && e.kind === "refused") box.error(w("storageFullToken", { why: e.message }));
        else box.error(w("uploadFailed", { why: (e as Error).message }));
        return;
      }
      box.say(w("installed", { bytes: bytes.length }));
      const confirm = button(w("confirm"), () => {
        transport.choose().catch(() => undefined);
        void guarded(box, async () => {
          let advert: Parameters<typeof transport.connect>[0] | null = null;
          await transport.scan((a) => ((advert = a), true), 3000);
          if (!advert) throw new SyncError("not-found");
          const link = await transport.connect(advert);
          await link.disconnect();
          box.say(w("running"));
          after.replaceChildren(button(w("pairNow"), () => void pairScreen(true), true, "pair-now"));
        }, [confirm]);
      }, true, "confirm-running");
      after.replaceChildren(h("p", {}, w("confirmExplain")), confirm);
    }, [go]);
  }, true, "connect");
  screen(w("installTitle"), h("label", { for: "board" }, w("boardLabel")), select, h("p", {}, w("installExplain")), go, box.el, after, backButton());
}

// ------------------------------------------------------------------ register a positive test

async function registerScreen(id: string): Promise<void> {
  const box = statusBox();
  const talk = h("div", { class: "dialog", "aria-live": "polite" });
  const ask = h("div", {});
  const io: Prompter = {
    print(text) {
      talk.append(h("p", {}, text));
    },
    ask(question) {
      return new Promise((resolve) => {
        const yesNo = /\((yes\/no|はい\/いいえ)\)/.test(question);
        const q = question.replace(/\s*\((yes\/no|はい\/いいえ)\)\s*:?\s*$/, "").replace(/:\s*$/, "");
        const answer = (v: string | null) => { ask.replaceChildren(); talk.append(h("p", {}, "> " + (v ?? ""))); resolve(v); };
        if (yesNo) {
          ask.replaceChildren(h("p", { id: "question" }, q), button(w("yes"), () => answer(lang === "ja" ? "はい" : "yes"), true, "answer-yes", true), button(w("no"), () => answer(lang === "ja" ? "いいえ" : "no"), false, "answer-no", true));
        } else {
          const input = h("input", { id: "answer", "aria-labelledby": "question", autocomplete: "off", inputmode: /\d{4}-\d{2}-\d{2}|8/.test(q) ? "numeric" : undefined });
          const ok = button(w("ok"), () => answer(input.value), true, "answer-ok", true);
          input.addEventListener("keydown", (e) => { if (e.key === "Enter") ok.click(); });
          ask.replaceChildren(h("p", { id: "question" }, q), input, ok);
          input.focus();
        }
      });
    },
  };
  const server = await serverUrl();
  screen(w("registerTitle"), talk, ask, box.el, backButton());
  if (!needBluetooth(box)) return;
  setBusy(true);
  try {
    const outcome = await registerPositive({
      home: DATA_ROOT, transport, server, lang, io, tokenId: id,
      owner: {
        pressToConnect: () => new Promise<void>((resolve) => {
          ask.replaceChildren(button(w("findTokenForKeys"), () => {
            transport.choose().catch(() => undefined);
            ask.replaceChildren();
            resolve();
          }, true, "find-token", true));
        }),
      },
    });
    transport.forget();
    if (outcome.ok) box.say(w("done"));
    else box.error(outcome.message);
  } catch (e) {
    box.error(errorText(e, id));
  } finally {
    setBusy(false);
  }
}

// ------------------------------------------------------------------ a token's folder: save and bring back

function exportToken(id: string, box: ReturnType<typeof statusBox>): void {
  const dir = data.tokenDir(id);
  const entries: Record<string, Uint8Array> = {};
  for (const f of filesUnder(dir)) if (!f.includes("/") && !f.endsWith(".tmp")) entries[id + "/" + f] = readBytes(dir + "/" + f);
  const zip = zipSync(entries, { level: 6 });
  const file = "omamori-" + id + ".zip";
  const a = h("a", { href: URL.createObjectURL(new Blob([zip], { type: "application/zip" })), download: file });
  document.body.append(a);
  a.click();
  a.remove();
  box.say(w("exported", { file }));
}

async function importToken(file: File | undefined, box: ReturnType<typeof statusBox>): Promise<void> {
  if (!file) return;
  let id = "";
  try {
    const entries = unzipSync(new Uint8Array(await file.arrayBuffer()));
    const names = Object.keys(entries).filter((n) => !n.endsWith("/"));
    const tops = [...new Set(names.map((n) => n.split("/")[0]))];
    if (tops.length !== 1 || names.some((n) => n.split("/").length !== 2)) throw new Error("one folder with the token's files was expected");
    id = checkTokenId(tops[0]);
    if (!names.includes(id + "/token.json")) throw new Error("token.json is missing");
    if ((await data.tokenIds()).includes(id)) {
      box.error(w("importExists", { id }));
      return;
    }
    for (const n of names) {
      const f = n.split("/")[1];
      if (!/^(token|log|sync-state|alert-pending[\w.-]*)\.json$/.test(f)) throw new Error("unexpected file " + f);
      await writeFileAtomic(data.tokenDir(id) + "/" + f, entries[n]);
    }
    try {
      await data.loadToken(id);
      await data.loadState(id);
      await readLog(data.logPath(id));
    } catch (e) {
      await remove(data.tokenDir(id), true, true);
      throw e;
    }
    await home();
    statusOnHome(w("imported", { id }));
  } catch (e) {
    box.error(w("importBad", { why: (e as Error).message }));
  }
}

function statusOnHome(text: string): void {
  const s = app().querySelector(".status") as HTMLElement | null;
  if (s) {
    s.hidden = false;
    s.replaceChildren(h("p", {}, text));
  }
}

// ------------------------------------------------------------------ settings (check.json, the CLI's format)

const CHECK_JSON = DATA_ROOT + "/check.json";
const WEB_JSON = DATA_ROOT + "/web.json";

async function serverUrl(): Promise<string> {
  try {
    const s = JSON.parse(new TextDecoder().decode(readBytes(WEB_JSON)));
    if (typeof s.server === "string" && s.server) return s.server;
  } catch { /* not set */ }
  return new URL(config.server ?? ".", location.href).toString().replace(/\/$/, "");
}

function readCheckJson(): Record<string, any> {
  try {
    return JSON.parse(new TextDecoder().decode(readBytes(CHECK_JSON)));
  } catch {
    return {};
  }
}

async function settingsScreen(): Promise<void> {
  const box = statusBox();
  const cur = readCheckJson();
  const key = (cur.publicKeys ?? [])[0] ?? {};
  const sources = h("textarea", { id: "sources", rows: "3" });
  sources.value = (cur.keySources ?? []).join("\n");
  const pk = h("textarea", { id: "public-key", rows: "4" });
  pk.value = key.publicKey ?? "";
  const keyId = h("input", { id: "key-id", "aria-label": w("keyIdLabel") + " (id)" });
  keyId.value = key.keyId ?? "";
  const keyVersion = h("input", { id: "key-version", "aria-label": w("keyIdLabel") + " (version)" });
  keyVersion.value = key.keyVersion ?? "";
  const server = h("input", { id: "server", type: "url" });
  server.value = await serverUrl();
  const save = button(w("save"), () => void guarded(box, async () => {
    const next: Record<string, unknown> = { ...cur, keySources: sources.value.split(/\s+/).filter(Boolean) };
    const k: Record<string, string> = { publicKey: pk.value.trim() };
    if (keyId.value.trim()) k.keyId = keyId.value.trim();
    if (keyVersion.value.trim()) k.keyVersion = keyVersion.value.trim();
    next.publicKeys = k.publicKey ? [k] : [];
    await writeFileAtomic(CHECK_JSON, JSON.stringify(next, null, 1) + "\n");
    await writeFileAtomic(WEB_JSON, JSON.stringify({ server: server.value.trim() }, null, 1) + "\n");
    box.say(w("saved"));
  }, [save]), true, "save-settings");
  screen(w("settingsTitle"),
    h("label", { for: "sources" }, w("sourcesLabel")), sources,
    h("label", { for: "public-key" }, w("publicKeyLabel")), pk,
    h("p", { id: "key-id-label" }, w("keyIdLabel")), keyId, keyVersion,
    h("label", { for: "server" }, w("serverLabel")), server,
    save, box.el, backButton(),
  );
}

// ------------------------------------------------------------------ start

async function start(): Promise<void> {
  useLanguage(lang);
  header();
  await mountVfs({ name: DB, skip: (p) => p.startsWith(DATA_ROOT + "/keys/") });
  try {
    const r = await fetch("config.json");
    if (r.ok) config = await r.json();
  } catch { /* no deployment defaults */ }
  const cur = readCheckJson();
  if (!cur.keySources && (config.keySources || config.publicKeys)) {
    const init: Record<string, unknown> = { keySources: (config.keySources ?? []).map((s) => new URL(s, location.href).toString()), publicKeys: config.publicKeys ?? [] };
    await writeFileAtomic(CHECK_JSON, JSON.stringify(init, null, 1) + "\n");
  }
  await home();
}

void start().catch((e) => {
  app().replaceChildren(h("p", { role: "alert" }, errorText(e)));
});

export { remove };
