import { describe, expect, it } from 'vitest';
import { driftReport } from './driftReport.js';
import { escapeHtml, html, SafeHtml } from './html.js';
import { renderDriftHtml } from './renderDriftHtml.js';
import { eightServices, serviceScan } from './testFixtures.js';

const AT = '2025-03-04T05:06:07.000Z';
const HOSTILE_REPO = 'acme/<script>alert("x")</script>';
const HOSTILE_TEAM = `o'brien & <b>co</b>`;

function hostileInput() {
  return [
    ...eightServices(),
    {
      repository: HOSTILE_REPO,
      team: HOSTILE_TEAM,
      service: serviceScan('apps/<img src=x onerror=alert(1)>', { name: '"><svg onload=alert(2)>', ci: [{ system: 'jenkins', kinds: ['build'] }] }),
    },
  ];
}

describe('escapeHtml', () => {
  it('escapes the five characters that matter in content and quoted attributes', () => {
    expect(escapeHtml(`<script>alert('x') && "y"</script>`)).toBe('&lt;script&gt;alert(&#39;x&#39;) &amp;&amp; &quot;y&quot;&lt;/script&gt;');
    expect(escapeHtml('&lt;')).toBe('&amp;lt;');
    expect(escapeHtml('payments-api')).toBe('payments-api');
  });

  it('html`` escapes every value except SafeHtml, and leaves out null, undefined and false', () => {
    expect(html`<td>${'<b>'}${new SafeHtml('<i>ok</i>')}${[1, '<', html`<br>`]}${null}${undefined}${false}</td>`.text).toBe('<td>&lt;b&gt;<i>ok</i>1&lt;<br></td>');
  });
});

describe('renderDriftHtml', () => {
  const page = renderDriftHtml(driftReport(hostileInput(), { generatedAt: AT }));

  it('is one HTML document with a title, the generation time and a legend', () => {
    expect(page.startsWith('<!doctype html>')).toBe(true);
    expect(page.trimEnd().endsWith('</html>')).toBe(true);
    expect(page).toContain(`<title>Drift report — ${AT}</title>`);
    expect(page).toContain(`<time datetime="${AT}">${AT}</time>`);
    expect(page).toContain('9 services in 8 repositories');
    expect(page).toContain('How to read this');
  });

  it('has a section per dimension, each standard highlighted', () => {
    for (const id of ['ciSystem', 'pipelineShape', 'monitoringStack', 'securityControls', 'buildStack', 'deployment']) expect(page).toContain(`<section id="dim-${id}"`);
    expect(page.match(/<tr class="standard">/g)).toHaveLength(6);
    const pipeline = page.slice(page.indexOf('<section id="dim-pipelineShape"'), page.indexOf('<section id="dim-monitoringStack"'));
    const standardRow = pipeline.slice(pipeline.indexOf('<tr class="standard">'), pipeline.indexOf('</tr>', pipeline.indexOf('<tr class="standard">')));
    expect(standardRow).toContain('<span class="item">build</span><span class="item">test</span><span class="item">lint</span><span class="item">dependency-scan</span> <span class="badge">standard</span>');
    expect(standardRow).toContain('4 <span class="muted">(44%)</span>');
    expect(standardRow).toContain('style="width:100%"');
  });

  it('names each team, with its deviations from the standard', () => {
    for (const team of ['payments', 'search', 'web']) expect(page).toContain(`<h4>${team} `);
    expect(page).toContain('<h4>o&#39;brien &amp; &lt;b&gt;co&lt;/b&gt; ');
    const ci = page.slice(page.indexOf('<section id="dim-ciSystem"'), page.indexOf('<section id="dim-pipelineShape"'));
    expect(ci).toContain('<span class="item missing">−github-actions</span><span class="item extra">+jenkins</span>');
    expect(ci).toContain('<span class="service">ledger</span> <span class="where">acme/ledger</span>');
    const security = page.slice(page.indexOf('<section id="dim-securityControls"'), page.indexOf('<section id="dim-buildStack"'));
    expect(security).toContain('<span class="item unknown">?non-root-image</span>');
  });

  it('escapes repository names, paths, service names and teams from the scans', () => {
    expect(page).not.toContain('<script');
    expect(page).not.toContain('<img');
    expect(page).not.toContain('<svg');
    expect(page).not.toContain('<b>co');
    expect(page).toContain('acme/&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;/apps/&lt;img src=x onerror=alert(1)&gt;');
    expect(page).toContain('&quot;&gt;&lt;svg onload=alert(2)&gt;');
  });

  it('needs nothing from outside: no scripts, no external URLs', () => {
    expect(page).not.toMatch(/<script|<link|<img|@import|url\(/i);
    expect(page).not.toMatch(/(src|href)\s*=\s*["']?\s*(https?:)?\/\//i);
    expect([...page.matchAll(/href="([^"]*)"/g)].map((m) => m[1]).every((h) => h!.startsWith('#dim-'))).toBe(true);
  });

  it('renders an empty report', () => {
    const empty = renderDriftHtml(driftReport([], { generatedAt: AT }));
    expect(empty).toContain('0 services in 0 repositories');
    expect(empty).toContain('<p>No services.</p>');
  });
});
