/**
 * The check, off the page's thread: `omamori check` itself (host-tools/report/runCheck.ts) in a
 * Web Worker, over the browser's data folder (web/src/platform/vfs.ts, IndexedDB), with every key
 * file verified by WebCrypto (webCryptoVerify.ts) and the matching spread over matcher threads
 * (matchWorker.ts). It posts progress as it goes and the result at the end; the page reloads the
 * data folder afterwards.
 */
import "../platform/staticMount";
import "../platform/polyfills";
import { runCheck, type CheckRun } from "../../../host-tools/report/runCheck";
import { useLanguage } from "../../../host-tools/base/language";
import { mountVfs, DATA_ROOT, readBytes } from "../platform/vfs";
import { setMatcherThreadUrl, setThreadProgress } from "../platform/workerThreads";
import { checkExportZipWebCrypto } from "./webCryptoVerify";

export interface CheckRequest {
  db: string;
  now: number;
  lang: "ja" | "en";
}

export type CheckMessage =
  | { kind: "progress"; phase: "fetch" | "match"; done: number; total: number }
  | { kind: "result"; run: CheckRun; reports: Record<string, string> }
  | { kind: "error"; message: string; name: string };

const post = (m: CheckMessage) => (self as unknown as Worker).postMessage(m);

self.onmessage = async (e: MessageEvent<CheckRequest>) => {
  const req = e.data;
  try {
    useLanguage(req.lang);
    await mountVfs({ name: req.db });
    setMatcherThreadUrl(new URL("match-worker.js", self.location.href));
    setThreadProgress((done, total) => post({ kind: "progress", phase: "match", done, total }));
    const run = await runCheck({
      home: DATA_ROOT,
      now: new Date(req.now),
      lang: req.lang,
      checkZip: checkExportZipWebCrypto,
      onProgress: (done, total) => post({ kind: "progress", phase: "fetch", done, total }),
    });
    const reports: Record<string, string> = {};
    for (const t of run.tokens) if (t.reportPath) reports[t.tokenId] = new TextDecoder().decode(readBytes(t.reportPath));
    post({ kind: "result", run, reports });
  } catch (err) {
    post({ kind: "error", message: (err as Error).message, name: (err as Error).name });
  }
};
