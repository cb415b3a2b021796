import { NO_VARIANT, UNKNOWN_MARK } from './driftVariants.js';
import { html, SafeHtml } from './html.js';
import {
  DRIFT_DIMENSION_INFO,
  DRIFT_DIMENSIONS,
  type DriftDeviation,
  type DriftDimensionReport,
  type DriftReport,
  type DriftTeamDimension,
  type DriftVariant,
} from './types.js';

/**
 * The drift report as one self-contained HTML document: inline CSS, no scripts, no external fonts, images or
 * links, so it can be mailed, archived and printed as is. Every string from the scans is escaped.
 */
export function renderDriftHtml(report: DriftReport): string {
  const { totals } = report;
  const page = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Drift report — ${report.generatedAt}</title>
<style>${new SafeHtml(STYLE)}</style>
</head>
<body>
<header>
<h1>Drift report</h1>
<p class="meta">Generated <time datetime="${report.generatedAt}">${report.generatedAt}</time> ·
${plural(totals.services, 'service')} in ${plural(totals.repositories, 'repository', 'repositories')} ·
${plural(totals.teams, 'team')}${totals.unassigned > 0 ? html` · ${plural(totals.unassigned, 'service')} without a team` : ''}</p>
</header>
${legend()}
${summary(report)}
${DRIFT_DIMENSIONS.map((d) => dimensionSection(report.dimensions[d], totals.services))}
</body>
</html>
`;
  return page.text;
}

function legend(): SafeHtml {
  return html`<section class="legend">
<h2>How to read this</h2>
<dl>
<dt>Variant</dt><dd>One setup of a dimension: the set of things found in a service, such as <span class="item">build</span><span class="item">test</span>. <span class="none">none</span> is the empty set.</dd>
<dt>Standard <span class="badge">standard</span></dt><dd>The most common variant of a dimension; a tie goes to the richer variant (more things found), then to the name.</dd>
<dt>Deviation</dt><dd><span class="item missing">−x</span> the standard has x and the service does not; <span class="item extra">+x</span> the service has x beyond the standard; <span class="item unknown">?x</span> the scan could not tell (a CI step runs logic kept elsewhere, or a Dockerfile user comes from a build argument).</dd>
</dl>
</section>`;
}

function summary(report: DriftReport): SafeHtml {
  const total = report.totals.services;
  const dims = DRIFT_DIMENSIONS.map((d) => report.dimensions[d]);
  return html`<section id="summary">
<h2>Summary</h2>
<table>
<thead><tr><th>Dimension</th><th class="num">Variants</th><th>Standard</th><th class="num">On the standard</th></tr></thead>
<tbody>
${dims.map((d) => {
  const onStandard = d.variants.find((v) => v.standard)?.count ?? 0;
  return html`<tr><td><a href="#dim-${d.dimension}">${DRIFT_DIMENSION_INFO[d.dimension].title}</a></td><td class="num">${d.distinct}</td><td>${d.standard === null ? '—' : items(itemsOfKey(d))}</td><td class="num">${onStandard} / ${total} ${percent(onStandard, total)}</td></tr>\n`;
})}
</tbody>
</table>
<h3>Teams on the standard</h3>
<table>
<thead><tr><th>Team</th><th class="num">Services</th><th class="num">Repositories</th>${dims.map((d) => html`<th class="num">${DRIFT_DIMENSION_INFO[d.dimension].title}</th>`)}</tr></thead>
<tbody>
${report.teams.map(
  (t) =>
    html`<tr><td>${teamName(t.team)}</td><td class="num">${t.services}</td><td class="num">${t.repositories}</td>${dims.map((d) => {
      const n = t.matching[d.dimension];
      return html`<td class="num${n === t.services ? ' all' : ''}">${n} / ${t.services}</td>`;
    })}</tr>\n`,
)}
</tbody>
</table>
</section>`;
}

function dimensionSection(d: DriftDimensionReport, total: number): SafeHtml {
  const info = DRIFT_DIMENSION_INFO[d.dimension];
  const widest = Math.max(1, ...d.variants.map((v) => v.count));
  const itemsByKey = new Map(d.variants.map((v) => [v.key, v.items]));
  return html`<section id="dim-${d.dimension}" class="dimension">
<h2>${info.title} <span class="count">${plural(d.distinct, 'variant')}</span></h2>
<p class="description">${info.description}</p>
${d.variants.length === 0 ? html`<p>No services.</p>` : variantTable(d.variants, widest, total)}
${d.teams.length > 0 ? html`<h3>By team</h3>\n${d.teams.map((t) => teamTable(t, itemsByKey))}` : ''}
</section>
`;
}

function variantTable(variants: DriftVariant[], widest: number, total: number): SafeHtml {
  return html`<table class="variants">
<thead><tr><th>Variant</th><th class="num">Services</th><th class="bar-cell"></th><th>Teams</th></tr></thead>
<tbody>
${variants.map(
  (v) => html`<tr${v.standard ? html` class="standard"` : ''}>
<td>${items(v.items)}${v.standard ? html` <span class="badge">standard</span>` : ''}
<details><summary>${plural(v.count, 'service')}</summary><ul class="services">${v.services.map((s) => html`<li>${serviceLabel(s)}</li>`)}</ul></details></td>
<td class="num">${v.count} ${percent(v.count, total)}</td>
<td class="bar-cell"><div class="bar"><span style="width:${Math.round((v.count / widest) * 100)}%"></span></div></td>
<td>${v.teams.map((t) => html`<span class="team">${teamName(t)}</span>`)}</td>
</tr>\n`,
)}
</tbody>
</table>`;
}

function teamTable(t: DriftTeamDimension, itemsByKey: ReadonlyMap<string, string[]>): SafeHtml {
  const off = t.deviations.filter((d) => !d.matches);
  return html`<div class="team-block">
<h4>${teamName(t.team)} <span class="count">${t.matching} of ${plural(t.services, 'service')} on the standard</span></h4>
<p class="team-variants">${t.variants.map((v) => html`<span class="variant">${items(itemsByKey.get(v.key) ?? [])} ×${v.count}</span>`)}</p>
${
  off.length === 0
    ? html`<p class="ok">All on the standard.</p>`
    : html`<table class="deviations">
<thead><tr><th>Service</th><th>Variant</th><th>Differences from the standard</th></tr></thead>
<tbody>
${off.map((dev) => html`<tr><td>${serviceLabel(dev.service)}</td><td>${items(itemsByKey.get(dev.variant) ?? [])}</td><td>${differences(dev)}</td></tr>\n`)}
</tbody>
</table>`
}
</div>
`;
}

function differences(dev: DriftDeviation): SafeHtml {
  const parts = [
    ...dev.missing.map((x) => html`<span class="item missing">−${x}</span>`),
    ...dev.extra.map((x) => html`<span class="item extra">+${x}</span>`),
    ...dev.unknown.map((x) => html`<span class="item unknown">${UNKNOWN_MARK}${x}</span>`),
  ];
  return parts.length > 0 ? html`${parts}` : html`<span class="muted">—</span>`;
}

function items(list: readonly string[]): SafeHtml {
  if (list.length === 0) return html`<span class="none">${NO_VARIANT}</span>`;
  return html`${list.map((x) => html`<span class="item${x.startsWith(UNKNOWN_MARK) ? ' unknown' : ''}">${x}</span>`)}`;
}

function itemsOfKey(d: DriftDimensionReport): string[] {
  return d.variants.find((v) => v.standard)?.items ?? [];
}

function serviceLabel(s: { repository: string; path: string; name: string }): SafeHtml {
  return html`<span class="service">${s.name}</span> <span class="where">${s.repository}${s.path === '.' ? '' : html`/${s.path}`}</span>`;
}

function teamName(team: string | null): SafeHtml {
  return team === null ? html`<span class="muted">(no team)</span>` : html`${team}`;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function percent(n: number, total: number): SafeHtml {
  return html`<span class="muted">(${total === 0 ? 0 : Math.round((n / total) * 100)}%)</span>`;
}

const STYLE = `
:root { --ink: #1d2433; --muted: #5f6b7a; --line: #d8dee6; --accent: #2f6fdf; --standard: #e8f5e9; --standard-line: #2e7d32; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: var(--ink); margin: 0 auto; max-width: 1100px; padding: 24px; }
h1 { margin: 0 0 4px; font-size: 26px; }
h2 { margin: 32px 0 6px; font-size: 20px; border-bottom: 2px solid var(--line); padding-bottom: 4px; }
h3 { margin: 20px 0 6px; font-size: 16px; }
h4 { margin: 16px 0 4px; font-size: 14px; }
.meta, .description, .muted, .count, .where { color: var(--muted); }
.count { font-weight: normal; font-size: 13px; margin-left: 6px; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 12px; }
th, td { text-align: left; vertical-align: top; padding: 5px 8px; border-bottom: 1px solid var(--line); }
th { font-size: 12px; text-transform: uppercase; letter-spacing: .03em; color: var(--muted); }
td.num, th.num { text-align: right; white-space: nowrap; }
td.all { color: var(--standard-line); font-weight: 600; }
tr.standard td { background: var(--standard); }
tr.standard td:first-child { box-shadow: inset 4px 0 0 var(--standard-line); }
.badge { display: inline-block; font-size: 11px; font-weight: 600; color: #fff; background: var(--standard-line); border-radius: 3px; padding: 0 6px; }
.item { display: inline-block; font: 12px/1.6 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: #eef1f5; border: 1px solid var(--line); border-radius: 3px; padding: 0 5px; margin: 1px 3px 1px 0; }
.item.unknown { border-style: dashed; color: var(--muted); }
.item.missing { background: #fdecea; border-color: #e0a39c; color: #a12a1c; }
.item.extra { background: #e8f0fd; border-color: #9fb9e8; color: #1f4fa3; }
.none { font-style: italic; color: var(--muted); }
.team { display: inline-block; margin-right: 8px; }
.team-variants .variant { display: inline-block; margin: 0 8px 4px 0; padding: 1px 2px 1px 6px; border: 1px solid var(--line); border-radius: 4px; }
.bar-cell { width: 22%; }
.bar { background: #eef1f5; height: 10px; border-radius: 2px; margin-top: 5px; }
.bar span { display: block; height: 100%; background: var(--accent); border-radius: 2px; }
tr.standard .bar span { background: var(--standard-line); }
details summary { cursor: pointer; color: var(--muted); font-size: 12px; }
ul.services { margin: 4px 0 0; padding-left: 18px; }
.legend dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0; }
.legend dt { font-weight: 600; }
.legend dd { margin: 0; }
.ok { color: var(--standard-line); }
a { color: inherit; }
@media print {
  body { max-width: none; padding: 0; font-size: 11px; }
  h2 { break-after: avoid; }
  tr, .team-block { break-inside: avoid; }
  details summary { display: none; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
`;
