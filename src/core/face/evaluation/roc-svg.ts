import type { RocPoint } from './metrics';

export interface RocPlotOptions {
  title: string;
  auc: number;
  /** Optional operating point to mark (e.g. the pack's default threshold). */
  marker?: { far: number; tar: number; label: string };
  /** Log-scaled FAR axis (from `minFar`, default 1e-4), where door-access thresholds live. */
  logFar?: boolean;
  minFar?: number;
  /** Axis and legend labels (default: the ROC's). */
  labels?: { x: string; y: string; legend: string };
}

const size = { width: 560, height: 520, left: 70, right: 20, top: 40, bottom: 60 };

const escapeXml = (text: string) =>
  text.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c] ?? c);

/** A self-contained SVG of the ROC curve (TAR against FAR) an admin can open in any browser. */
export function rocSvg(roc: readonly RocPoint[], options: RocPlotOptions): string {
  const plotW = size.width - size.left - size.right;
  const plotH = size.height - size.top - size.bottom;
  const minFar = options.minFar ?? 1e-4;
  const xOf = (far: number) => {
    const f = options.logFar
      ? (Math.log10(Math.max(far, minFar)) - Math.log10(minFar)) / -Math.log10(minFar)
      : far;
    return size.left + f * plotW;
  };
  const yOf = (tar: number) => size.top + (1 - tar) * plotH;
  const fmt = (v: number) => v.toFixed(1);

  const xTicks = options.logFar
    ? Array.from(
        { length: Math.floor(-Math.log10(minFar)) + 1 },
        (_, i) => 10 ** (i - Math.floor(-Math.log10(minFar))),
      )
    : [0, 0.2, 0.4, 0.6, 0.8, 1];
  const yTicks = [0, 0.2, 0.4, 0.6, 0.8, 1];
  const grid = [
    ...xTicks.map(
      (t) =>
        `<line x1="${fmt(xOf(t))}" y1="${size.top}" x2="${fmt(xOf(t))}" y2="${size.top + plotH}" class="grid"/>` +
        `<text x="${fmt(xOf(t))}" y="${size.top + plotH + 18}" text-anchor="middle">${options.logFar && t < 1 ? t.toExponential(0) : t}</text>`,
    ),
    ...yTicks.map(
      (t) =>
        `<line x1="${size.left}" y1="${fmt(yOf(t))}" x2="${size.left + plotW}" y2="${fmt(yOf(t))}" class="grid"/>` +
        `<text x="${size.left - 8}" y="${fmt(yOf(t) + 4)}" text-anchor="end">${t}</text>`,
    ),
  ];
  const curve = roc.map((p) => `${fmt(xOf(p.far))},${fmt(yOf(p.tar))}`).join(' ');
  const chance = options.logFar
    ? ''
    : `<line x1="${xOf(0)}" y1="${yOf(0)}" x2="${xOf(1)}" y2="${yOf(1)}" class="chance"/>`;
  const marker = options.marker
    ? `<circle cx="${fmt(xOf(options.marker.far))}" cy="${fmt(yOf(options.marker.tar))}" r="5" class="marker"/>` +
      `<text x="${fmt(xOf(options.marker.far) + 8)}" y="${fmt(yOf(options.marker.tar) + 16)}">${escapeXml(options.marker.label)}</text>`
    : '';
  const legendY = size.top + plotH - 14;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size.width}" height="${size.height}" viewBox="0 0 ${size.width} ${size.height}" font-family="sans-serif" font-size="12">`,
    '<style>.grid{stroke:#ddd}.axis{stroke:#333}.curve{fill:none;stroke:#1f5fbf;stroke-width:2}.chance{stroke:#999;stroke-dasharray:4 4}.marker{fill:#d03030}</style>',
    `<title>${escapeXml(options.title)}</title>`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${size.width / 2}" y="22" text-anchor="middle" font-size="15">${escapeXml(options.title)}</text>`,
    ...grid,
    `<rect x="${size.left}" y="${size.top}" width="${plotW}" height="${plotH}" fill="none" class="axis"/>`,
    chance,
    `<polyline points="${curve}" class="curve"/>`,
    marker,
    `<text x="${size.left + plotW / 2}" y="${size.height - 16}" text-anchor="middle">${escapeXml(options.labels?.x ?? 'False accept rate')}${options.logFar ? ' (log scale)' : ''}</text>`,
    `<text x="18" y="${size.top + plotH / 2}" text-anchor="middle" transform="rotate(-90 18 ${size.top + plotH / 2})">${escapeXml(options.labels?.y ?? 'True accept rate')}</text>`,
    `<line x1="${size.left + plotW - 150}" y1="${legendY}" x2="${size.left + plotW - 125}" y2="${legendY}" class="curve"/>`,
    `<text x="${size.left + plotW - 120}" y="${legendY + 4}">${escapeXml(options.labels?.legend ?? `ROC, AUC = ${options.auc.toFixed(4)}`)}</text>`,
    '</svg>',
    '',
  ].join('\n');
}
