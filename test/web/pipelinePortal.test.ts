import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { JobView } from '../../src/pipelines/index.js';
import { JobGraph, layoutJobs } from '../../web/src/components/JobGraph.js';
import { elapsed, plainLogText } from '../../web/src/pipelineFormat.js';

function job(id: string, needs: string[] = []): JobView {
  return { id, name: id, needs, required: false, origin: 'x', status: 'pending', reason: null, cacheHit: null, startedAt: null, finishedAt: null, steps: [] };
}

describe('plainLogText', () => {
  it('removes colour codes, cursor moves and OSC titles, keeping the text', () => {
    expect(plainLogText('\u001b[32m✓ 12 passed\u001b[0m\n')).toBe('✓ 12 passed\n');
    expect(plainLogText('\u001b[1;31mfail\u001b[39;49m \u001b[2K\u001b[1Gdone\n')).toBe('fail done\n');
    expect(plainLogText('\u001b]0;npm install\u0007added 3 packages\n')).toBe('added 3 packages\n');
  });

  it('shows a line redrawn with carriage returns as its last state, and CRLF as LF', () => {
    expect(plainLogText('progress 10%\rprogress 50%\rprogress 100%\nnext\r\n')).toBe('progress 100%\nnext\n');
    expect(plainLogText('almost\r\n')).toBe('almost\n');
  });

  it('drops other control bytes but keeps tabs', () => {
    expect(plainLogText('a\tb\u0007c\u0000\n')).toBe('a\tbc\n');
  });
});

describe('elapsed', () => {
  it('is empty for something that never started, even with a recorded duration of 0', () => {
    expect(elapsed({ startedAt: null, finishedAt: '2026-01-01T00:00:00Z', durationMs: 0 }, 0)).toBe('');
    expect(elapsed({ startedAt: '2026-01-01T00:00:00Z', finishedAt: null }, Date.parse('2026-01-01T00:00:12Z'))).toBe('12 s');
  });
});

describe('layoutJobs', () => {
  it('puts each job one column right of the deepest job it needs, with an edge per need', () => {
    const { nodes, edges } = layoutJobs([job('lint'), job('scan'), job('test', ['lint']), job('build', ['test']), job('gate', ['scan', 'build'])]);
    const column = Object.fromEntries(nodes.map((n) => [n.job.id, n.column]));
    expect(column).toEqual({ lint: 0, scan: 0, test: 1, build: 2, gate: 3 });
    expect(edges.map((e) => `${e.from.job.id}->${e.to.job.id}`).sort()).toEqual(['build->gate', 'lint->test', 'scan->gate', 'test->build']);
  });

  it('orders a column by the rows of what its jobs need, so edges do not cross needlessly', () => {
    const { nodes } = layoutJobs([job('a'), job('b'), job('after-b', ['b']), job('after-a', ['a'])]);
    const row = Object.fromEntries(nodes.map((n) => [n.job.id, n.row]));
    expect(row['after-a']).toBe(0);
    expect(row['after-b']).toBe(1);
  });

  it('lays out a cycle or an unknown need without looping, with no edge to a job that is not there', () => {
    const { nodes, edges } = layoutJobs([job('a', ['b']), job('b', ['a']), job('c', ['missing'])]);
    expect(nodes).toHaveLength(3);
    expect(edges.every((e) => e.to.job.id !== 'c')).toBe(true);
  });
});

describe('JobGraph', () => {
  it('marks the jobs the standard pipeline requires, and the selected one', () => {
    const jobs: JobView[] = [
      { ...job('secret-scan'), required: true, origin: 'gantry/node-service@1', status: 'succeeded' },
      { ...job('deploy-docs', ['secret-scan']), status: 'running', startedAt: '2026-01-01T00:00:00Z' },
    ];
    const html = renderToStaticMarkup(createElement(JobGraph, { jobs, selected: 'deploy-docs', onSelect: () => {}, now: Date.parse('2026-01-01T00:00:03Z') }));
    const nodes = html.split('data-testid="job-node"').slice(1);
    expect(nodes).toHaveLength(2);
    expect(nodes[0]).toContain('data-required="true"');
    expect(nodes[0]).toContain('REQUIRED');
    expect(html).toContain('aria-label="Job secret-scan: Succeeded, required by the standard pipeline"');
    expect(nodes[1]).not.toContain('REQUIRED');
    expect(html).toContain('aria-label="Job deploy-docs: Running · 3.0 s"');
    expect(html).toMatch(/class="job-node job-running selected"[^>]*aria-pressed="true"/);
  });
});
