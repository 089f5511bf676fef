/**
 * The printable large-print report: one self-contained HTML page (no scripts, no external files),
 * big type and high contrast for elderly readers, the same sections as the terminal text. A
 * "could not tell" headline and its reasons are set apart with a double border, so a printed
 * page can never be mistaken for an all-clear.
 */
import { reportSections, type Lang, type OwnerResult } from "./resultText";

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

export function htmlReport(r: OwnerResult, lang: Lang): string {
  const sections = reportSections(r, lang);
  const body = sections
    .map((s) =>
      s.emphasis
        ? `<section class="main${s.warning ? " warning" : ""}"><h1>${esc(s.heading)}</h1>${s.lines.map((l, i) => (i === 0 ? `<p class="headline">${esc(l)}</p>` : `<p>${esc(l)}</p>`)).join("")}</section>`
        : `<section${s.warning ? ' class="warning"' : ""}><h2>${esc(s.heading)}</h2><ul>${s.lines.map((l) => `<li>${esc(l)}</li>`).join("")}</ul></section>`,
    )
    .join("\n");
  return `<!DOCTYPE html>
<html lang="${lang}" data-verdict="${r.verdict.kind}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(sections[0].heading)}</title>
<style>
  body { font-family: "Hiragino Sans", "Noto Sans JP", "Meiryo", sans-serif; font-size: 28px; line-height: 1.6;
         color: #000; background: #fff; margin: 1em auto; max-width: 42em; padding: 0 0.5em; }
  h1 { font-size: 40px; margin: 0 0 0.3em; }
  h2 { font-size: 32px; margin: 1.2em 0 0.3em; border-bottom: 3px solid #000; }
  .headline { font-size: 40px; font-weight: bold; padding: 0.4em; border: 4px solid #000; }
  .warning .headline { border: 12px double #000; }
  section.warning:not(.main) { border-left: 12px double #000; padding-left: 0.5em; }
  ul { padding-left: 1.2em; } li { margin: 0.3em 0; }
  @media print { body { font-size: 22pt; } h1, .headline { font-size: 28pt; } h2 { font-size: 24pt; } section { break-inside: avoid; } }
</style>
</head>
<body>
${body}
</body>
</html>
`;
}
