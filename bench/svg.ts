/**
 * Plain SVG figures for the benches (no dependency): horizontal bars with a range, and lines. The
 * benches write them to docs/figures/ when run with --svg; the documents show them.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const FIGURES_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "docs", "figures");

const FONT = 'font-family="sans-serif" font-size="12"';

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

export interface RangeBar {
  label: string;
  central: number;
  low: number;
  high: number;
  /** Shown after the bar instead of the central figure. */
  note?: string;
}

/** Horizontal bars (central) with whiskers (low-high), one per row, and an optional goal line. */
export function rangeBars(title: string, unit: string, rows: RangeBar[], goal?: { value: number; label: string }): string {
  const w = 760, left = 260, right = 120, rowH = 26, top = 40;
  const max = Math.max(...rows.map((r) => Math.max(r.high, r.central)), goal?.value ?? 0) * 1.05 || 1;
  const x = (v: number) => left + ((w - left - right) * v) / max;
  const h = top + rows.length * rowH + 40;
  const out: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">`,
    `<rect width="${w}" height="${h}" fill="white"/>`, `<text x="10" y="22" ${FONT} font-weight="bold">${esc(title)}</text>`];
  rows.forEach((r, i) => {
    const y = top + i * rowH;
    out.push(`<text x="${left - 8}" y="${y + 16}" ${FONT} text-anchor="end">${esc(r.label)}</text>`);
    out.push(`<rect x="${left}" y="${y + 5}" width="${Math.max(0, x(r.central) - left)}" height="14" fill="#6b8fbf"/>`);
    out.push(`<line x1="${x(r.low)}" x2="${x(r.high)}" y1="${y + 12}" y2="${y + 12}" stroke="#222" stroke-width="1.5"/>`);
    for (const v of [r.low, r.high]) out.push(`<line x1="${x(v)}" x2="${x(v)}" y1="${y + 7}" y2="${y + 17}" stroke="#222" stroke-width="1.5"/>`);
    out.push(`<text x="${Math.max(x(r.high), x(r.central)) + 6}" y="${y + 16}" ${FONT}>${esc(r.note ?? r.central.toFixed(0))}</text>`);
  });
  if (goal) {
    out.push(`<line x1="${x(goal.value)}" x2="${x(goal.value)}" y1="${top}" y2="${top + rows.length * rowH}" stroke="#c33" stroke-dasharray="4 3"/>`);
    out.push(`<text x="${x(goal.value) + 4}" y="${top + rows.length * rowH + 14}" ${FONT} fill="#c33">${esc(goal.label)}</text>`);
  }
  out.push(`<text x="${left}" y="${h - 8}" ${FONT} fill="#555">${esc(unit)}; bar = central, whiskers = the range</text>`, "</svg>");
  return out.join("\n");
}

export interface Series { name: string; points: [number, number][] }

/** Lines over a numeric x axis (y from yMin to yMax), with a legend. */
export function lines(title: string, xLabel: string, yLabel: string, series: Series[], yMin: number, yMax: number): string {
  const w = 760, h = 380, left = 60, right = 220, top = 40, bottom = 50;
  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  const x0 = Math.min(...xs), x1 = Math.max(...xs) || 1;
  const x = (v: number) => left + ((w - left - right) * (v - x0)) / (x1 - x0 || 1);
  const y = (v: number) => top + ((h - top - bottom) * (yMax - v)) / (yMax - yMin || 1);
  const colours = ["#3b6fb6", "#c0392b", "#27ae60", "#8e44ad", "#d35400", "#16a085"];
  const out: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">`,
    `<rect width="${w}" height="${h}" fill="white"/>`, `<text x="10" y="22" ${FONT} font-weight="bold">${esc(title)}</text>`,
    `<line x1="${left}" x2="${w - right}" y1="${y(yMin)}" y2="${y(yMin)}" stroke="#888"/>`,
    `<line x1="${left}" x2="${left}" y1="${y(yMin)}" y2="${y(yMax)}" stroke="#888"/>`];
  for (let i = 0; i <= 4; i++) {
    const v = yMin + ((yMax - yMin) * i) / 4;
    out.push(`<text x="${left - 6}" y="${y(v) + 4}" ${FONT} text-anchor="end">${+v.toFixed(1)}</text>`);
    out.push(`<line x1="${left}" x2="${w - right}" y1="${y(v)}" y2="${y(v)}" stroke="#eee"/>`);
  }
  for (const v of [...new Set(xs)].sort((a, b) => a - b)) out.push(`<text x="${x(v)}" y="${y(yMin) + 16}" ${FONT} text-anchor="middle">${+v.toFixed(2)}</text>`);
  series.forEach((s, i) => {
    const c = colours[i % colours.length];
    out.push(`<polyline fill="none" stroke="${c}" stroke-width="2" points="${s.points.map((p) => x(p[0]) + "," + y(p[1])).join(" ")}"/>`);
    for (const p of s.points) out.push(`<circle cx="${x(p[0])}" cy="${y(p[1])}" r="3" fill="${c}"/>`);
    out.push(`<rect x="${w - right + 12}" y="${top + i * 20}" width="12" height="3" fill="${c}"/><text x="${w - right + 30}" y="${top + i * 20 + 5}" ${FONT}>${esc(s.name)}</text>`);
  });
  out.push(`<text x="${(left + w - right) / 2}" y="${h - 12}" ${FONT} text-anchor="middle">${esc(xLabel)}</text>`);
  out.push(`<text x="14" y="${(top + h - bottom) / 2}" ${FONT} transform="rotate(-90 14 ${(top + h - bottom) / 2})" text-anchor="middle">${esc(yLabel)}</text>`, "</svg>");
  return out.join("\n");
}

/** Writes docs/figures/<name>.svg; returns its path. */
export function writeFigure(name: string, svg: string): string {
  mkdirSync(FIGURES_DIR, { recursive: true });
  const p = join(FIGURES_DIR, name + ".svg");
  writeFileSync(p, svg + "\n");
  return p;
}
