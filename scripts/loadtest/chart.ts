import { regionOfWorker } from './regions.js';
import type { RunResult } from './run-result.js';

const WIDTH = 960;
const MARGIN_LEFT = 70;
const MARGIN_RIGHT = 20;
const PLOT_WIDTH = WIDTH - MARGIN_LEFT - MARGIN_RIGHT;
const PANEL_HEADER = 44;
const COUNT_PLOT = 130;
const LANE_HEIGHT = 10;
const LATENCY_PLOT = 110;
const GAP = 28;
const COLORS = {
  idp: '#1f77b4',
  versions: '#ff7f0e',
  ok: '#2ca02c',
  failed: '#d62728',
  open: '#7f7f7f',
  p99: '#9467bd',
  max: '#c5b0d5',
  grid: '#e5e5e5',
  fault: '#d62728',
  revoked: '#000000',
};

/**
 * Renders runs as one self-contained SVG, one panel per run: cumulative IdP calls and secret
 * versions over time, which process was calling the IdP when (the lease holders; a herd shows as a
 * column of bars), and getToken latency (p99 and max per time bin, log scale).
 *
 * @example
 * ```ts
 * await writeFile('docs/loadtest.svg', renderChart(results));
 * ```
 */
export function renderChart(results: readonly RunResult[], title = 'token-refresher load test'): string {
  const panels: string[] = [];
  let y = 40;
  for (const result of results) {
    const { svg, height } = panel(result, y);
    panels.push(svg);
    y += height + GAP;
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${y}" viewBox="0 0 ${WIDTH} ${y}" font-family="sans-serif" font-size="11">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect x="0" y="0" width="${WIDTH}" height="${y}" fill="#ffffff"/>`,
    `<text x="${MARGIN_LEFT}" y="24" font-size="16" font-weight="bold">${escapeXml(title)}</text>`,
    legend(WIDTH - MARGIN_RIGHT - 430, 20),
    ...panels,
    '</svg>',
    '',
  ].join('\n');
}

/** Up to this many processes get a lane each; larger fleets show only the processes that called the IdP. */
const MAX_LANES = 16;

function panel(result: RunResult, top: number): { svg: string; height: number } {
  const callers =
    result.settings.processes <= MAX_LANES
      ? [...Array(result.settings.processes).keys()]
      : [...new Set(result.timeline.idpIntervals.map((interval) => interval.worker))].sort((a, b) => a - b).slice(0, MAX_LANES);
  const laneOf = new Map(callers.map((worker, lane) => [worker, lane]));
  const lanes = Math.max(1, callers.length);
  const duration = Math.max(result.measuredMs, result.settings.durationMs, 1);
  const x = (t: number): number => MARGIN_LEFT + (Math.min(Math.max(t, 0), duration) / duration) * PLOT_WIDTH;
  const parts: string[] = [];
  const heading =
    `${result.strategy} — fault: ${result.fault.label ?? result.fault.kind} — ${result.generations} generations, ${result.idp.calls} IdP calls, ` +
    `${result.versions.created} versions, p99 ${result.latencyMs.p99} ms, ${result.validity.servedExpired} expired served` +
    grantHeading(result);
  parts.push(`<text x="${MARGIN_LEFT}" y="${top + 16}" font-size="13" font-weight="bold">${escapeXml(heading)}</text>`);

  // Cumulative IdP calls and versions.
  const countTop = top + PANEL_HEADER;
  const idpTimes = result.timeline.idpCalls.map((call) => call.t).sort((a, b) => a - b);
  const versionTimes = [...result.timeline.versions].sort((a, b) => a - b);
  const maxCount = Math.max(1, idpTimes.length, versionTimes.length);
  const yCount = (n: number): number => countTop + COUNT_PLOT - (n / maxCount) * COUNT_PLOT;
  parts.push(frame(countTop, COUNT_PLOT, `IdP calls / versions (cumulative, max ${maxCount})`));
  parts.push(axisLabel(MARGIN_LEFT - 6, yCount(maxCount) + 4, String(maxCount)));
  parts.push(axisLabel(MARGIN_LEFT - 6, yCount(0), '0'));
  for (const generation of result.timeline.generations) {
    parts.push(
      `<line x1="${f(x(generation.t))}" y1="${countTop}" x2="${f(x(generation.t))}" y2="${countTop + COUNT_PLOT}" stroke="${COLORS.grid}" stroke-width="1"/>`,
    );
  }
  parts.push(stepLine(idpTimes, x, yCount, duration, COLORS.idp));
  parts.push(stepLine(versionTimes, x, yCount, duration, COLORS.versions, '5 3'));

  // Lanes: which worker was calling the IdP.
  const laneTop = countTop + COUNT_PLOT + 22;
  const laneHeight = lanes * LANE_HEIGHT;
  const laneTitle =
    result.settings.processes <= MAX_LANES
      ? 'processes calling the IdP (lease holders)'
      : `the first ${callers.length} of ${result.settings.processes} processes that called the IdP (lease holders)`;
  parts.push(frame(laneTop, laneHeight, `${laneTitle}${regionsOfLanes(result, callers)}`));
  callers.forEach((worker, lane) => {
    parts.push(axisLabel(MARGIN_LEFT - 6, laneTop + lane * LANE_HEIGHT + LANE_HEIGHT - 2, `p${worker}`, 9));
  });
  for (const interval of result.timeline.idpIntervals) {
    const lane = laneOf.get(interval.worker);
    if (lane === undefined) continue;
    const color = interval.ok === null ? COLORS.open : interval.ok ? COLORS.ok : COLORS.failed;
    const x1 = x(interval.from);
    const width = Math.max(1.5, x(interval.to) - x1);
    parts.push(`<rect x="${f(x1)}" y="${f(laneTop + lane * LANE_HEIGHT + 1)}" width="${f(width)}" height="${LANE_HEIGHT - 2}" fill="${color}"/>`);
  }

  // Latency per bin, log scale from 1 µs to 10 s.
  const latencyTop = laneTop + laneHeight + 22;
  const logMin = -3;
  const logMax = 4;
  const yLatency = (value: number): number => {
    const log = Math.log10(Math.max(value, 10 ** logMin));
    return latencyTop + LATENCY_PLOT - ((Math.min(log, logMax) - logMin) / (logMax - logMin)) * LATENCY_PLOT;
  };
  parts.push(frame(latencyTop, LATENCY_PLOT, 'getToken latency per bin: p99 (line), max (dots), ms, log scale; red: bins with failed calls'));
  for (const decade of [0.001, 0.01, 0.1, 1, 10, 100, 1000, 10000]) {
    const yy = yLatency(decade);
    parts.push(`<line x1="${MARGIN_LEFT}" y1="${f(yy)}" x2="${MARGIN_LEFT + PLOT_WIDTH}" y2="${f(yy)}" stroke="${COLORS.grid}"/>`);
    parts.push(axisLabel(MARGIN_LEFT - 6, yy + 3, decade >= 1 ? String(decade) : String(decade), 9));
  }
  const bins = result.timeline.bins.filter((bin) => bin.calls > 0);
  const binMid = (t: number): number => x(t + result.timeline.binMs / 2);
  if (bins.length > 0) {
    const points = bins.map((bin) => `${f(binMid(bin.t))},${f(yLatency(bin.p99))}`).join(' ');
    parts.push(`<polyline points="${points}" fill="none" stroke="${COLORS.p99}" stroke-width="1.5"/>`);
    for (const bin of bins) parts.push(`<circle cx="${f(binMid(bin.t))}" cy="${f(yLatency(bin.max))}" r="2" fill="${COLORS.max}"/>`);
  }
  // Failed calls have no latency to plot: mark their bins along the bottom, darker for more.
  for (const bin of result.timeline.bins.filter((entry) => entry.errors > 0)) {
    const width = Math.max(1.5, x(bin.t + result.timeline.binMs) - x(bin.t));
    const opacity = Math.min(1, 0.25 + Math.log10(bin.errors) / 4);
    parts.push(
      `<rect x="${f(x(bin.t))}" y="${f(latencyTop + LATENCY_PLOT - 6)}" width="${f(width)}" height="6" fill="${COLORS.failed}" fill-opacity="${opacity.toFixed(2)}"/>`,
    );
  }

  // The fault's strike, across all three plots.
  const bottom = latencyTop + LATENCY_PLOT;
  if (result.fault.atMs !== undefined) {
    const xf = x(result.fault.atMs);
    parts.push(`<line x1="${f(xf)}" y1="${countTop}" x2="${f(xf)}" y2="${bottom}" stroke="${COLORS.fault}" stroke-dasharray="4 3"/>`);
    parts.push(`<text x="${f(xf + 3)}" y="${countTop + 10}" fill="${COLORS.fault}">${escapeXml(result.fault.label ?? result.fault.kind)}</text>`);
    if (result.fault.untilMs !== undefined) {
      const xu = x(result.fault.untilMs);
      parts.push(`<line x1="${f(xu)}" y1="${countTop}" x2="${f(xu)}" y2="${bottom}" stroke="${COLORS.fault}" stroke-dasharray="4 3"/>`);
      parts.push(`<text x="${f(xu + 3)}" y="${countTop + 10}" fill="${COLORS.fault}">returned</text>`);
    }
  }
  // Under a rotating provider, the moment a reused refresh token revoked the grant: from then on no
  // refresh of that fleet can succeed, which is the point of the run, so it crosses all three plots.
  const revokedAtMs = result.grant?.revokedAtMs;
  if (revokedAtMs !== undefined && revokedAtMs !== null) {
    const xr = x(revokedAtMs);
    parts.push(`<line x1="${f(xr)}" y1="${countTop}" x2="${f(xr)}" y2="${bottom}" stroke="${COLORS.revoked}" stroke-width="1.5"/>`);
    parts.push(`<text x="${f(xr + 3)}" y="${countTop + 22}" fill="${COLORS.revoked}">grant revoked</text>`);
  }
  // Time axis.
  const step = niceStep(duration / 1000);
  for (let s = 0; s * 1000 <= duration; s += step) {
    parts.push(axisLabel(x(s * 1000), bottom + 14, timeLabel(s), 10, 'middle'));
  }
  return { svg: `<g>\n${parts.join('\n')}\n</g>`, height: bottom + 18 - top };
}

/** Across Regions: which processes ran where, for the lane title (process i runs in Region i mod n). */
function regionsOfLanes(result: RunResult, callers: readonly number[]): string {
  const regions = result.multiRegion;
  if (regions === undefined) return '';
  const where = regions.names.map((region) => {
    const processes = callers.filter((worker) => regionOfWorker(regions.names, worker) === region).map((worker) => `p${worker}`);
    return `${region}${region === regions.primary ? ' (primary)' : ''}: ${processes.join(' ')}`;
  });
  return ` — ${where.join('; ')}`;
}

/** The rotating grant's fate for a panel heading; nothing for a plain provider. */
function grantHeading(result: RunResult): string {
  if (result.grant === undefined) return '';
  const revoked = result.grant.revokedAtMs;
  return revoked === null ? ', grant never revoked' : `, grant revoked at ${(revoked / 1000).toFixed(2)} s`;
}

function frame(top: number, height: number, label: string): string {
  return [
    `<rect x="${MARGIN_LEFT}" y="${top}" width="${PLOT_WIDTH}" height="${height}" fill="none" stroke="#999999"/>`,
    `<text x="${MARGIN_LEFT + 4}" y="${top - 4}" fill="#444444">${escapeXml(label)}</text>`,
  ].join('\n');
}

function stepLine(times: number[], x: (t: number) => number, y: (n: number) => number, end: number, color: string, dash?: string): string {
  const points: string[] = [`${f(x(0))},${f(y(0))}`];
  times.forEach((t, index) => {
    points.push(`${f(x(t))},${f(y(index))}`, `${f(x(t))},${f(y(index + 1))}`);
  });
  points.push(`${f(x(end))},${f(y(times.length))}`);
  return `<polyline points="${points.join(' ')}" fill="none" stroke="${color}" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`;
}

function legend(left: number, top: number): string {
  const items: Array<[string, string]> = [
    ['IdP calls', COLORS.idp],
    ['versions', COLORS.versions],
    ['IdP call ok', COLORS.ok],
    ['failed call', COLORS.failed],
    ['p99', COLORS.p99],
  ];
  return items
    .map(([label, color], index) => {
      const xx = left + index * 88;
      return `<rect x="${xx}" y="${top - 8}" width="10" height="10" fill="${color}"/><text x="${xx + 14}" y="${top + 1}">${escapeXml(label)}</text>`;
    })
    .join('\n');
}

function axisLabel(xx: number, yy: number, text: string, size = 10, anchor: 'end' | 'middle' = 'end'): string {
  return `<text x="${f(xx)}" y="${f(yy)}" font-size="${size}" text-anchor="${anchor}" fill="#444444">${escapeXml(text)}</text>`;
}

function niceStep(seconds: number): number {
  for (const step of [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 10800, 21600]) if (seconds / step <= 12) return step;
  return Math.ceil(seconds / 12);
}

function timeLabel(seconds: number): string {
  if (seconds >= 7200 && seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds >= 120 && seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

function f(value: number): string {
  return (Math.round(value * 10) / 10).toString();
}

/** Escapes text for XML content and attribute values. */
export function escapeXml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&apos;');
}
