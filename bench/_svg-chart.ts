/**
 * A hand-written SVG grouped bar chart (no dependencies), for benchmark results: one group per
 * row (e.g. "SET P=1"), one bar per series (e.g. Redis, Tessera 1p), value labels on the bars.
 */

export interface ChartSeries {
  label: string;
  color: string;
}

export interface ChartGroup {
  label: string;
  /** One value per series, in series order; null = not measured. */
  values: (number | null)[];
}

export interface BarChartOptions {
  title: string;
  unit: string;
  series: readonly ChartSeries[];
  groups: readonly ChartGroup[];
  /** Optional line under the title. */
  subtitle?: string;
}

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function compact(v: number): string {
  if (v >= 1e6) return `${(v / 1e6).toFixed(2)}M`;
  if (v >= 1e3) return `${(v / 1e3).toFixed(v >= 1e5 ? 0 : 1)}k`;
  return v.toFixed(v >= 10 ? 0 : 2);
}

export function barChartSvg(o: BarChartOptions): string {
  const barWidth = 22;
  const barGap = 4;
  const groupGap = 28;
  const left = 70;
  const top = o.subtitle === undefined ? 50 : 66;
  const plotHeight = 280;
  const bottom = 70;
  const groupWidth = o.series.length * (barWidth + barGap) - barGap;
  const width = Math.max(520, left + o.groups.length * (groupWidth + groupGap) + 20);
  // Legend entries flow left to right and wrap into rows.
  const legendRowHeight = 16;
  const legendPositions: { x: number; row: number }[] = [];
  {
    let lx = left;
    let row = 0;
    for (const s of o.series) {
      const w = 24 + s.label.length * 6.5;
      if (lx + w > width - 10 && lx > left) {
        lx = left;
        row++;
      }
      legendPositions.push({ x: lx, row });
      lx += w;
    }
  }
  const legendRows = (legendPositions[legendPositions.length - 1]?.row ?? 0) + 1;
  const legendY = top + plotHeight + 48;
  const height = top + plotHeight + bottom + (legendRows - 1) * legendRowHeight;
  let max = 0;
  for (const g of o.groups) for (const v of g.values) if (v !== null && v > max) max = v;
  const yMax = niceMax(max);
  const y = (v: number) => top + plotHeight - (v / yMax) * plotHeight;

  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`);
  parts.push(`<rect width="100%" height="100%" fill="white"/>`);
  parts.push(`<text x="${width / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${esc(o.title)}</text>`);
  if (o.subtitle !== undefined) parts.push(`<text x="${width / 2}" y="42" text-anchor="middle" fill="#555">${esc(o.subtitle)}</text>`);
  // Grid and axis labels.
  for (let i = 0; i <= 5; i++) {
    const v = (yMax * i) / 5;
    const yy = y(v);
    parts.push(`<line x1="${left}" x2="${width - 10}" y1="${yy}" y2="${yy}" stroke="#ddd"/>`);
    parts.push(`<text x="${left - 6}" y="${yy + 4}" text-anchor="end" fill="#333">${compact(v)}</text>`);
  }
  parts.push(`<text x="14" y="${top + plotHeight / 2}" transform="rotate(-90 14 ${top + plotHeight / 2})" text-anchor="middle" fill="#333">${esc(o.unit)}</text>`);
  // Bars.
  o.groups.forEach((g, gi) => {
    const gx = left + 14 + gi * (groupWidth + groupGap);
    g.values.forEach((v, si) => {
      if (v === null) return;
      const x = gx + si * (barWidth + barGap);
      const yy = y(v);
      parts.push(`<rect x="${x}" y="${yy}" width="${barWidth}" height="${top + plotHeight - yy}" fill="${o.series[si]!.color}"><title>${esc(`${o.series[si]!.label} ${g.label}: ${v.toFixed(0)} ${o.unit}`)}</title></rect>`);
      parts.push(`<text x="${x + barWidth / 2}" y="${yy - 4}" text-anchor="middle" font-size="9" fill="#222">${compact(v)}</text>`);
    });
    parts.push(`<text x="${gx + groupWidth / 2}" y="${top + plotHeight + 16}" text-anchor="middle" fill="#111">${esc(g.label)}</text>`);
  });
  parts.push(`<line x1="${left}" x2="${width - 10}" y1="${top + plotHeight}" y2="${top + plotHeight}" stroke="#333"/>`);
  // Legend.
  o.series.forEach((s, i) => {
    const { x, row } = legendPositions[i]!;
    const ly = legendY + row * legendRowHeight;
    parts.push(`<rect x="${x}" y="${ly - 10}" width="12" height="12" fill="${s.color}"/>`);
    parts.push(`<text x="${x + 16}" y="${ly}" fill="#111">${esc(s.label)}</text>`);
  });
  parts.push("</svg>");
  return parts.join("\n") + "\n";
}
